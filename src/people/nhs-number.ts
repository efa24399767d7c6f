/**
 * NHS number check (NHS Data Dictionary, Modulus 11): weights 10..2 on the first nine digits,
 * check digit = 11 − (sum mod 11); 11 becomes 0 and 10 means the number is invalid.
 * 0000000000 passes the arithmetic but is never issued: Jigsaw refuses it (docs/decisions.md).
 */
export function nhsNumberProblem(raw: string): string | undefined {
  const digits = raw.replace(/[\s-]/g, '');
  if (!/^\d{10}$/.test(digits)) return 'An NHS number has 10 digits';
  if (/^(\d)\1{9}$/.test(digits)) return 'This is not an issued NHS number';
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  if (check === 10 || check !== Number(digits[9])) return 'This NHS number is not valid: its check digit is wrong';
  return undefined;
}

export const normaliseNhsNumber = (raw: string): string => raw.replace(/[\s-]/g, '');

export const isValidNhsNumber = (raw: string): boolean => nhsNumberProblem(raw) === undefined;
