import { ROLES, type Role } from '../access/policy.ts';

/**
 * The roles an agency's identity provider may give or take away. Setting up the partnership
 * itself (partnership_administrator) is not one agency's directory's to grant: it is given in
 * Jigsaw, and SCIM leaves it as it is.
 */
export const SCIM_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'partnership_administrator');

export const isScimRole = (value: string): value is Role => (SCIM_ROLES as readonly string[]).includes(value);
