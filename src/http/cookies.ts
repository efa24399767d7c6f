/**
 * The names of Jigsaw's two cookies. Behind TLS (JIGSAW_SECURE_COOKIES=true) they carry the
 * `__Host-` prefix: a browser then accepts them only when they were set Secure, with Path=/ and no
 * Domain, so neither a sibling sub-domain nor a page served over plain http can plant or overwrite
 * them (session fixation, a forged CSRF secret). Plain http on localhost, for development, cannot
 * use the prefix, so the names stay plain there.
 */
export const SESSION_COOKIE = 'jigsaw_session';
export const CSRF_COOKIE = 'jigsaw_csrf';

export const cookieName = (base: string, secure: boolean | undefined): string => (secure ? `__Host-${base}` : base);
