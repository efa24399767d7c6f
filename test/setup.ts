// Loaded before each test file. Tests opt in to the database with useTestDb().
import { hashPasswordsCheaplyInTests } from '../src/auth/passwords.ts';

// Passwords the tests set are hashed at argon2's lowest cost (see the seam): at the production cost
// every sign-in took a second or more of a loaded 2-core CI machine. What a hash is checked
// against, and every answer a practitioner sees, stay the same.
hashPasswordsCheaplyInTests();
