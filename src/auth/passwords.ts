import argon2 from 'argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as commonPasswords from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import { invalid } from '../shared/errors.ts';

// argon2id with the library's defaults (64 MiB, 3 passes): OWASP's recommended hash for passwords.
let hashOptions: argon2.HashOptions = { type: argon2.argon2id };
export const hashPassword = (password: string): Promise<string> => argon2.hash(password, hashOptions);

/**
 * Test seam, called only by the test suite's setup (test/setup.ts): its fixtures' passwords are
 * hashed at argon2id's lowest cost, because at the production cost the suite's few hundred
 * sign-ins spent minutes of CI on two cores. A stored hash names its own cost and verifying reads
 * it from there, so production's hashes, and how they are checked, are unchanged. It refuses
 * outside a vitest run, so a stray call cannot weaken a server's hashes.
 */
export function hashPasswordsCheaplyInTests(): void {
  if (!process.env.VITEST) throw new Error('cheap password hashing is for the test suite only');
  hashOptions = { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 };
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

// Verifying against this when the account does not exist keeps the answer time the same,
// so response timing does not reveal which e-mail addresses have accounts.
let dummyHash: Promise<string> | undefined;
export const dummyPasswordHash = (): Promise<string> => (dummyHash ??= hashPassword('not-a-real-password-0000'));

export const MIN_PASSWORD_LENGTH = 12;

/**
 * Length alone lets "password1234" through. NCSC and NIST both advise a deny list of common and
 * breached passwords instead of composition rules: zxcvbn-ts's bundled lists (about 49,000 common
 * and breached passwords, English words and names; no network at run time) and its pattern
 * matching (repeats, sequences, keyboard runs, dates) estimate how many guesses a password takes.
 * Score 3 means at least 10^8 guesses: out of reach of online guessing, which sign-in throttling
 * limits further.
 */
const strength = new ZxcvbnFactory({
  dictionary: { ...commonPasswords.dictionary, ...english.dictionary },
  graphs: commonPasswords.adjacencyGraphs,
  translations: english.translations,
});
const MIN_SCORE = 3;

/** Who the password is for: what an attacker who knows the account tries first. */
export interface PasswordOwner { email?: string | undefined; name?: string | undefined }

const GENERAL_ADVICE = 'use three or more unrelated words, and avoid common passwords, repeated characters, sequences and your own name or e-mail address.';

/** Parts of the owner's name and e-mail address long enough to matter (a 2-letter initial is not). */
function ownerWords(owner: PasswordOwner): string[] {
  const local = owner.email?.split('@')[0] ?? '';
  const words = [local, ...local.split(/[^\p{L}\p{N}]+/u), ...(owner.name ?? '').split(/[^\p{L}\p{N}]+/u)];
  return [...new Set(words.map((w) => w.toLowerCase()).filter((w) => w.length >= 3))];
}

/** Why a new password is too easy to guess, in words for the person choosing it; undefined when it is fine. */
export function weakPasswordReason(password: string, owner: PasswordOwner = {}): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `A password must have at least ${MIN_PASSWORD_LENGTH} characters.`;
  const folded = password.toLowerCase();
  if (ownerWords(owner).some((w) => folded.includes(w))) return 'Choose a password that is harder to guess: it must not contain your name or e-mail address.';
  const result = strength.check(password, ownerWords(owner));
  if (result.score >= MIN_SCORE) return undefined;
  const said = result.feedback.warning?.replace(/\.$/, '');
  const warning = said ? `${said.charAt(0).toLowerCase()}${said.slice(1)}; ` : '';
  return `Choose a password that is harder to guess: ${warning}${GENERAL_ADVICE}`;
}

/** The one check every new password passes, wherever it is set: a 422 naming the field otherwise. */
export function assertStrongPassword(password: string, owner: PasswordOwner = {}, pointer = '/password'): void {
  const reason = weakPasswordReason(password, owner);
  if (reason) throw invalid('The password is too easy to guess.', [{ pointer, detail: reason }]);
}
