/**
 * Two zero-width no-break spaces (JavaScript whitespace), between which a live edit inserts code
 * inside a line. V8's live edit diffs a changed line character by character, and a diff places an
 * insertion exactly where it was made only when the characters on both sides of it occur nowhere
 * in the inserted text; otherwise V8 may take a function for a new one that no existing closure
 * runs. No inserted text contains these characters. They are edited in first and out last, so no
 * function's text holds them otherwise.
 */
export const TWIN_SPOT = "\uFEFF\uFEFF";
