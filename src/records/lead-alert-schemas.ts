import { z } from 'zod';
import { Text, Uuid } from '../shared/schemas.ts';
import { CATEGORIES, Category, RECORD_KINDS, RecordKind } from './schemas.ts';

/**
 * A record brought to the designated safeguarding lead (issue 17, item 7): by its author ticking
 * "Tell my safeguarding lead", or because the agency asks to hear of every record of a kind or
 * category. It is not a sharing decision; the lead decides, shares or refers through those journeys.
 */

export const LeadAlertSettings = z
  .strictObject({
    kinds: z.array(RecordKind).max(RECORD_KINDS.length).default([]).meta({ description: 'Every record of these kinds is brought to the lead, e.g. concern.' }),
    categories: z.array(Category).max(CATEGORIES.length).default([]).meta({ description: 'Every record with one of these categories is brought to the lead, e.g. sexual_abuse.' }),
  })
  .meta({ id: 'LeadAlertSettings', description: "Which records your agency's safeguarding lead is told of without the author asking." });
export type LeadAlertSettings = z.output<typeof LeadAlertSettings>;

export const LeadAlertSettingsView = z
  .object({
    agencyId: Uuid,
    kinds: z.array(RecordKind),
    categories: z.array(Category),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'LeadAlertSettingsView' });
export type LeadAlertSettingsView = z.infer<typeof LeadAlertSettingsView>;

export const DealWithLeadAlert = z
  .strictObject({
    note: Text.trim().min(1, 'Say what you did about it, or why nothing more is needed').max(2000),
  })
  .meta({ id: 'DealWithLeadAlert' });
export type DealWithLeadAlert = z.output<typeof DealWithLeadAlert>;

export const LeadAlertQuery = z.strictObject({
  status: z.enum(['open', 'dealt_with', 'all'], { error: () => 'Must be open, dealt_with or all' }).default('open'),
});
export type LeadAlertQuery = z.output<typeof LeadAlertQuery>;

export const LeadAlert = z
  .object({
    id: Uuid,
    recordId: Uuid,
    personId: Uuid.meta({ description: 'The child (or adult) the record is about, in your agency\'s index.' }),
    reason: z.enum(['asked', 'agency_setting']).meta({ description: 'asked: the author asked for the lead; agency_setting: your agency asks to hear of every such record.' }),
    raisedAt: z.string(),
    raisedByName: z.string(),
    record: z.object({
      kind: RecordKind,
      occurredAt: z.string(),
      categories: z.array(Category),
      summary: z.string(),
      authorName: z.string(),
    }),
    dealtWith: z.object({ at: z.string(), byName: z.string(), note: z.string() }).nullable(),
  })
  .meta({ id: 'LeadAlert' });
export type LeadAlert = z.infer<typeof LeadAlert>;
