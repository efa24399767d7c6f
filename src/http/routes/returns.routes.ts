import { z } from 'zod';
import { censusCheck, censusReportCsv, censusXml, CensusYearQuery } from '../../statutory-returns/cin/census-returns.ts';
import type { Api } from '../route.ts';

const CensusProblemSchema = z.object({
  ruleCode: z.string().meta({ description: "The DfE's rule code (8500, 8525Q …)." }),
  type: z.enum(['ERROR', 'QUERY']),
  message: z.string().meta({ description: "The DfE's message for the rule." }),
  item: z.string().meta({ description: 'The census item (XML element) flagged.' }),
  value: z.string().nullable().meta({ description: 'The value flagged; null when the item is missing.' }),
  href: z.string().nullable().meta({ description: "Where the item is recorded: the child's or the episode's census page, or the episode." }),
});

export const CensusCheckSchema = z.object({
  year: z.number().int(),
  agencyName: z.string(),
  localAuthorityCode: z.string().nullable(),
  children: z.number().int().meta({ description: 'Children in the census.' }),
  errors: z.number().int(),
  queries: z.number().int(),
  censusProblems: z.array(CensusProblemSchema).meta({ description: 'Findings about the census as a whole (its header).' }),
  byChild: z.array(z.object({ name: z.string(), laChildId: z.string(), personId: z.uuid(), problems: z.array(CensusProblemSchema) })),
  schemaProblems: z.array(z.object({ line: z.number().int().nullable(), message: z.string() })).meta({ description: "Where the census's XML breaks the year's XSD (libxml2's words)." }),
}).meta({ id: 'CensusCheck' });

const WHO = "The data team and managers of children's social care (403 otherwise); every download is audited.";

/** The Children in Need census: the XML, the validation report and the live check (issue 20). */
export function registerReturnsRoutes(api: Api): void {
  api.route({
    method: 'GET', url: '/returns/cin/census.xml', tag: 'Returns',
    operationId: 'getCinCensusXml', summary: 'Download the Children in Need census (XML)',
    description: `The authority's census for the year as the DfE's XML, built from the episodes and the census items. Refused with 409 when the authority has no local authority code or the XML would break the year's XSD (the detail names the elements). ${WHO}`,
    query: CensusYearQuery, response: z.string().meta({ description: 'XML text, served as application/xml.' }), produces: 'application/xml',
    handler: async ({ ctx, query, reply }) => {
      const xml = await censusXml(ctx, query.year);
      void reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="cin-census-${query.year}.xml"`);
      return xml;
    },
  });
  api.route({
    method: 'GET', url: '/returns/cin/report.csv', tag: 'Returns',
    operationId: 'getCinValidationReportCsv', summary: 'Download the census validation report (CSV)',
    description: `The DfE's validation rules run over the authority's census for the year: one line per finding, in the columns of the open-source validator's user_report.csv. ${WHO}`,
    query: CensusYearQuery, response: z.string().meta({ description: 'CSV text, served as text/csv.' }), produces: 'text/csv',
    handler: async ({ ctx, query, reply }) => {
      const csv = await censusReportCsv(ctx, query.year);
      void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="cin-census-${query.year}-report.csv"`);
      return csv;
    },
  });
  api.route({
    method: 'GET', url: '/returns/cin/problems', tag: 'Returns',
    operationId: 'getCinCensusProblems', summary: "Check the authority's census",
    description: `The same rules and the year's XSD over the authority's data as it stands, by child, each problem with a link to where it is put right. ${WHO}`,
    query: CensusYearQuery, response: CensusCheckSchema,
    handler: ({ ctx, query }) => censusCheck(ctx, query.year),
  });
}
