// Strings of the docs pages.
import { defineMessages } from './define.ts';

export const docs = defineMessages({}, {});
