// TEMPORARY allowlist: fuzz failures in @x/linalg that the linalg work has not fixed yet on this
// branch. Only @x/linalg entries are honoured. Each entry is "<module> <export> | <case label>";
// remove entries as linalg fixes land (the suite lists entries that no longer fail as stale).
export const KNOWN_LINALG_FAILURES = new Set([]);
