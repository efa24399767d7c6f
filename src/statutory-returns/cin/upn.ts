/**
 * The unique pupil number (UPN), as the DfE's guidance on UPNs defines it: 13 characters, a check
 * letter, then the 3-digit local authority number, the 4-digit establishment number, 2 digits for
 * the year it was allocated and a 3-character serial (a digit, or a letter for a temporary UPN).
 *
 * The check letter: each of characters 2–13 is multiplied by its position (2–13; a letter in
 * position 13 counts as its place in the check-letter alphabet, A = 0), the products summed and the
 * remainder on dividing by 23 read in that alphabet. I, O and S are never used, so that a UPN
 * cannot be misread as 1, 0 and 5. The LA number is not checked: a child keeps the UPN of the
 * authority that allocated it when they move.
 */
export const UPN_ALPHABET = 'ABCDEFGHJKLMNPQRTUVWXYZ';

const SHAPE = /^[A-Z][0-9]{11}[0-9A-Z]$/;

/** A UPN as it is stored: trimmed, upper case (the census is upper case; people type either). */
export const canonicalUpn = (upn: string): string => upn.trim().toUpperCase();

/** The check letter for the 12 characters after it. */
export function upnCheckLetter(body: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) {
    const ch = body[i]!;
    const value = /[0-9]/.test(ch) ? Number(ch) : UPN_ALPHABET.indexOf(ch);
    sum += value * (i + 2);
  }
  return UPN_ALPHABET[sum % 23]!;
}

/**
 * What is wrong with a UPN, in words for the person typing it, or undefined when it is valid.
 * Case does not matter (it is checked as canonicalUpn makes it).
 */
export function upnProblem(given: string): string | undefined {
  const upn = canonicalUpn(given);
  if (upn.length !== 13) return 'A UPN is 13 characters: a letter, then 11 digits, then a digit or a letter';
  if (!SHAPE.test(upn)) return 'A UPN is a letter, then 11 digits, then a digit or a letter';
  if (/[IOS]/.test(upn[0]!) || /[IOS]/.test(upn[12]!)) return 'A UPN never uses the letters I, O or S';
  if (upnCheckLetter(upn.slice(1)) !== upn[0]) return 'This is not a valid UPN: the check letter (the first character) does not match the rest. Check it against the school’s records';
  return undefined;
}
