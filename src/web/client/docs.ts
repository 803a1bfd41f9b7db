// Behaviour of the docs pages.
