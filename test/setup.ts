// Loaded before each test file. Kept empty of behaviour: tests opt in to the database with useTestDb().
export {};
