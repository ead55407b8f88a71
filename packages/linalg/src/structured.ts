// Structured matrices: re-exports only (owned by the structured-linalg work).
export {};
