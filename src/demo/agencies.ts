import type { AgencyPlan } from './story.ts';

/**
 * The agencies of the fictional Northshire partnership and their staff. Every name, address and
 * e-mail domain is invented (.example domains). Job titles say who each person is in the case
 * examples, so someone trying the demo knows whom to sign in as.
 *
 * Every agency has a safeguarding lead; children's social care also has a manager, an
 * administrator and an auditor; the hospital has the Caldicott Guardian.
 */
export const DEMO_AGENCIES: AgencyPlan[] = [
  {
    key: 'csc', name: "Northshire Children's Social Care", type: 'childrens_social_care', emailDomain: 'northshire-childrens-services.example',
    // A real authority's code (the census's LEA must be one the DfE knows); the authority's name and people stay fictional.
    localAuthorityCode: '931',
    staff: [
      { key: 'cscHead', name: 'Priya Raman', jobTitle: "Head of safeguarding and quality assurance, children's social care", roles: ['safeguarding_lead'] },
      { key: 'teamManager', name: 'Grace Okafor', jobTitle: "Team manager, assessment team: Maggie's case (case example 8)", roles: ['manager'] },
      { key: 'maggiesSocialWorker', name: 'Rachel Dunn', jobTitle: "Social worker allocated to Maggie's baby (case example 8)", roles: ['social_worker'] },
      { key: 'dutySocialWorker', name: 'Tom Haskins', jobTitle: "Duty social worker: Helen's and Natasha's referrals (case examples 6 and 7)", roles: ['social_worker'] },
      { key: 'hewittSocialWorker', name: 'Marcus Bell', jobTitle: 'Social worker who assessed Tony and Louise (case example 5)', roles: ['social_worker'] },
      { key: 'cscAdmin', name: 'Olu Adebayo', jobTitle: "Systems administrator, children's social care", roles: ['administrator'] },
      // Prepares the statutory returns (issue 20): the Children in Need census and Annex A.
      { key: 'cscDataOfficer', name: 'Imogen Marsh', jobTitle: "Performance and data officer, children's social care: the census and Annex A", roles: ['data_officer'] },
      { key: 'cscAuditor', name: 'Janet Frost', jobTitle: "Information governance auditor, children's social care", roles: ['auditor'] },
      // Sets up the partnership itself: its agencies and their codes, the health settings' FHIR tokens (issue 19).
      { key: 'partnershipAdmin', name: 'Owen Pritchard', jobTitle: 'Safeguarding partnership business manager', roles: ['partnership_administrator'] },
    ],
  },
  {
    key: 'hv', name: 'Northshire Health Visiting Service', type: 'health_visiting', emailDomain: 'northshire-health-visiting.example',
    staff: [
      { key: 'katesHV', name: 'Sarah Whitlock', jobTitle: "Kate's health visitor (case example 1)", roles: ['practitioner'] },
      { key: 'cathysHV', name: 'Nadia Begum', jobTitle: "Health visitor for Cathy, Ben and Jake (case example 2)", roles: ['practitioner'] },
      { key: 'carverHV', name: 'Joanne Pike', jobTitle: 'Health visitor for Jenny, Jack and their baby sister (case example 3)', roles: ['practitioner'] },
      { key: 'lilysHV', name: 'Claire Ashby', jobTitle: "Health visitor asked to monitor Maggie's baby (case example 8)", roles: ['practitioner'] },
      { key: 'hvLead', name: 'Ruth Adeyemi', jobTitle: 'Named nurse for safeguarding children', roles: ['safeguarding_lead'] },
    ],
  },
  {
    key: 'midwifery', name: 'Northshire Community Midwifery Team', type: 'midwifery', emailDomain: 'northshire-midwifery.example',
    staff: [
      { key: 'katesMidwife', name: 'Lucy Brennan', jobTitle: "Kate's community midwife (case example 1)", roles: ['practitioner'] },
      { key: 'maggiesMidwife', name: 'Amina Yusuf', jobTitle: "Maggie's community midwife (case example 8)", roles: ['practitioner'] },
      { key: 'midwiferyLead', name: 'Fiona McLeod', jobTitle: 'Named midwife for safeguarding', roles: ['safeguarding_lead'] },
    ],
  },
  {
    key: 'childrensCentre', name: "Meadowbank Children's Centre", type: 'early_years', emailDomain: 'meadowbank-childrens-centre.example',
    staff: [
      { key: 'kelly', name: 'Kelly Fraser', jobTitle: 'Outreach worker supporting Kate (case example 1)', roles: ['practitioner'] },
      { key: 'centreManager', name: 'Bernadette Quinn', jobTitle: 'Centre manager and designated safeguarding lead', roles: ['safeguarding_lead', 'manager'] },
    ],
  },
  {
    key: 'housingOffice', name: 'Northshire Council Housing Office', type: 'housing', emailDomain: 'northshire-housing.example',
    staff: [
      { key: 'housingOfficer', name: 'Martin Cole', jobTitle: "Housing officer for Kate's tenancy (case example 1)", roles: ['practitioner'] },
      { key: 'housingLead', name: 'Susan Palmer', jobTitle: 'Tenancy services manager and safeguarding lead', roles: ['safeguarding_lead', 'manager'] },
    ],
  },
  {
    key: 'homeStart', name: 'Home-Start Northshire', type: 'voluntary_sector', emailDomain: 'homestart-northshire.example',
    staff: [
      { key: 'homeStartOrganiser', name: 'Linda Harper', jobTitle: "Home-Start organiser for Cathy's family and the scheme's safeguarding lead (case example 2)", roles: ['safeguarding_lead'] },
      { key: 'homeStartVolunteer', name: 'Jess Morgan', jobTitle: 'Home-Start volunteer visiting Cathy (case example 2)', roles: ['practitioner'] },
    ],
  },
  {
    key: 'brookfield', name: 'Brookfield Primary School and Nursery', type: 'school', emailDomain: 'brookfield-primary.example',
    staff: [
      { key: 'bensNurseryTeacher', name: 'Hannah Lewis', jobTitle: "Ben's nursery teacher (case example 2)", roles: ['practitioner'] },
      { key: 'brookfieldHead', name: 'David Osei', jobTitle: 'Headteacher and designated safeguarding lead', roles: ['safeguarding_lead'] },
    ],
  },
  {
    key: 'gp', name: 'Castle Street Surgery', type: 'gp', emailDomain: 'castle-street-surgery.example',
    staff: [
      { key: 'bensGP', name: 'Dr Anil Mehta', jobTitle: "Ben's GP (case example 2)", roles: ['practitioner'] },
      { key: 'gpLead', name: 'Dr Catherine Wells', jobTitle: 'GP partner and safeguarding lead', roles: ['safeguarding_lead'] },
    ],
  },
  {
    key: 'riverside', name: 'Riverside Primary School', type: 'school', emailDomain: 'riverside-primary.example',
    staff: [
      { key: 'jacksTeacher', name: 'Amira Shah', jobTitle: "Jack's class teacher (case example 3)", roles: ['practitioner'] },
      { key: 'jennysTeacher', name: 'Peter Lowe', jobTitle: "Jenny's class teacher (case example 3)", roles: ['practitioner'] },
      { key: 'riversideNurse', name: 'Gillian Marsh', jobTitle: 'School nurse (case example 3)', roles: ['practitioner'] },
      { key: 'riversideLead', name: 'Karen Doyle', jobTitle: "Deputy headteacher and the school's child protection lead (case example 3)", roles: ['safeguarding_lead'] },
    ],
  },
  {
    key: 'eastfield', name: 'Eastfield Primary School', type: 'school', emailDomain: 'eastfield-primary.example',
    staff: [
      { key: 'connorsTeacher', name: 'Neil Parry', jobTitle: "Connor's class teacher (case example 4)", roles: ['practitioner'] },
      { key: 'eastfieldHead', name: 'Angela Brooks', jobTitle: 'Headteacher and designated safeguarding lead (case example 4)', roles: ['safeguarding_lead'] },
    ],
  },
  {
    key: 'northgate', name: 'Northgate Academy', type: 'school', emailDomain: 'northgate-academy.example',
    staff: [
      { key: 'brettsHeadOfYear', name: 'Simon Clarke', jobTitle: "Brett's head of year (case example 4)", roles: ['practitioner'] },
      { key: 'jackiesHeadOfYear', name: 'Laura Bennett', jobTitle: "Jackie's head of year (case example 4)", roles: ['practitioner'] },
      { key: 'brettsMentor', name: 'Kwame Mensah', jobTitle: "Brett's learning mentor (case example 4)", roles: ['practitioner'] },
      { key: 'northgateNurse', name: 'Eileen Ward', jobTitle: 'School nurse at Northgate Academy (case example 4)', roles: ['practitioner'] },
      { key: 'northgateLead', name: 'Philip Grant', jobTitle: 'Assistant headteacher and designated safeguarding lead (case example 4)', roles: ['safeguarding_lead'] },
    ],
  },
  {
    key: 'police', name: 'Northshire Police', type: 'police', emailDomain: 'northshire-police.example',
    staff: [
      { key: 'estateOfficer', name: 'Dan Hughes', jobTitle: 'Police constable, neighbourhood officer who attended the car fires (case example 4)', roles: ['practitioner'] },
      { key: 'jagInspector', name: 'Gareth Evans', jobTitle: 'Police inspector, deputy chair of the joint action group (case example 5)', roles: ['practitioner'] },
      { key: 'familySupportOfficer', name: 'Sophie Turner', jobTitle: 'Family support unit officer (case example 5)', roles: ['practitioner'] },
      { key: 'ppuSergeant', name: 'Raj Patel', jobTitle: "Detective sergeant, public protection unit: Mark's record check (case example 8)", roles: ['practitioner'] },
      { key: 'policeLead', name: 'Alison Reeves', jobTitle: 'Detective inspector and safeguarding lead', roles: ['safeguarding_lead'] },
    ],
  },
  {
    key: 'yos', name: 'Northshire Youth Offending Service', type: 'youth_offending', emailDomain: 'northshire-yos.example',
    staff: [
      { key: 'yosWorker', name: 'Chris Doherty', jobTitle: 'YOS worker for Jackie, Brett and Connor (case example 4)', roles: ['practitioner'] },
      { key: 'yosManager', name: 'Yasmin Ali', jobTitle: 'YOS team manager and joint action group member (case example 5)', roles: ['manager', 'safeguarding_lead'] },
    ],
  },
  {
    key: 'probation', name: 'Northshire Probation Delivery Unit', type: 'probation', emailDomain: 'northshire-probation.example',
    staff: [
      { key: 'maggiesPO', name: 'Emma Sinclair', jobTitle: "Maggie's probation officer (case example 8)", roles: ['practitioner'] },
      { key: 'hewittPO', name: 'Stuart Bryce', jobTitle: "Probation officer supervising Tony and Louise's father (case example 5)", roles: ['practitioner'] },
      { key: 'probationLead', name: 'Margaret Oduya', jobTitle: 'Senior probation officer and safeguarding lead', roles: ['safeguarding_lead', 'manager'] },
    ],
  },
  {
    key: 'inclusion', name: 'Northshire Council Social Inclusion Unit', type: 'other', emailDomain: 'northshire-council.example',
    staff: [
      { key: 'jagChair', name: 'Robert Kingsley', jobTitle: 'Chair of the joint action group (case example 5)', roles: ['manager', 'safeguarding_lead'] },
      { key: 'inclusionOfficer', name: 'Nina Castle', jobTitle: 'Social inclusion officer (case example 5)', roles: ['practitioner'] },
    ],
  },
  {
    key: 'housingTrust', name: 'Northshire Homes Housing Trust', type: 'housing', emailDomain: 'northshire-homes.example',
    staff: [
      { key: 'tenancyOfficer', name: 'Wayne Gibbs', jobTitle: 'Tenancy enforcement officer (case example 5)', roles: ['practitioner'] },
      { key: 'trustLead', name: 'Deborah Stone', jobTitle: 'Housing trust safeguarding lead', roles: ['safeguarding_lead'] },
    ],
  },
  {
    key: 'connexions', name: 'Connexions Northshire', type: 'voluntary_sector', emailDomain: 'connexions-northshire.example',
    staff: [
      { key: 'louisesAdviser', name: 'Megan Price', jobTitle: "Louise's Connexions personal adviser (case example 5)", roles: ['practitioner'] },
      { key: 'connexionsManager', name: 'Ian Foster', jobTitle: 'Connexions team manager (case example 5)', roles: ['manager', 'safeguarding_lead'] },
    ],
  },
  {
    key: 'hospital', name: 'Northshire General Hospital', type: 'hospital', emailDomain: 'northshire-hospital.example',
    staff: [
      { key: 'admittingDoctor', name: 'Dr Sam Okoye', jobTitle: "Admitting doctor, children's ward: Helen's admission (case example 6)", roles: ['practitioner'] },
      { key: 'consultant', name: 'Dr Eleanor Hart', jobTitle: "Helen's consultant paediatrician (case example 6)", roles: ['practitioner'] },
      { key: 'namedDoctor', name: 'Dr James Whitaker', jobTitle: 'Named doctor for safeguarding children', roles: ['safeguarding_lead'] },
      { key: 'caldicottGuardian', name: 'Dr Frances Lamb', jobTitle: 'Medical director and Caldicott Guardian', roles: ['caldicott_guardian'] },
    ],
  },
  {
    key: 'clinic', name: 'Northshire Sexual Health Clinic', type: 'sexual_health_clinic', emailDomain: 'northshire-sexual-health.example',
    staff: [
      { key: 'natashasPractitioner', name: 'Zoe Marshall', jobTitle: 'Health practitioner who saw Natasha (case example 7)', roles: ['practitioner'] },
      { key: 'cpNurse', name: 'Bridget Nolan', jobTitle: 'Child protection nurse (case example 7)', roles: ['practitioner'] },
      { key: 'clinicColleague', name: 'Owen Jenkins', jobTitle: "Clinic nurse, not involved in Natasha's care (case example 7)", roles: ['practitioner'] },
      { key: 'clinicLead', name: 'Mary Achebe', jobTitle: 'Lead nurse and safeguarding lead', roles: ['safeguarding_lead'] },
    ],
  },
];
