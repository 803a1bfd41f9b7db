// Behaviour of the admin pages.
