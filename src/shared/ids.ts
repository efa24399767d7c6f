import { randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Whether a text is an identifier PostgreSQL takes as a uuid (in any case): others are never asked for. */
export const isId = (text: string): boolean => UUID.test(text);
