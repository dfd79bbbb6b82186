// What the insights routes need (src/access), as the activity routes: the `read` ability and
// `activity:read`, org-wide for the org views, on the workspace for the workspace views.
import type { AccessRequirement } from '../../access/requirements.js';

export const tags = ['insights'];
export const audit = { resourceType: 'insights' };

const permission = 'activity:read';
export const ORG: AccessRequirement = { kind: 'org', ability: 'read', org: 'org_id', permission };
export const WORKSPACE: AccessRequirement = {
  kind: 'org-workspace',
  ability: 'read',
  org: 'org_id',
  workspace: 'workspace_id',
  permission,
};
