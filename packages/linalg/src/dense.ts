// Dense decompositions: re-exports only (owned by the dense-linalg work).
export {};
