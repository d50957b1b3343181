// Request bodies as the API's OpenAPI declares them (schema.d.ts is generated from the live
// /openapi.json by `npm run gen:api`; CI fails when it is stale).
import type { components } from "./schema";

export type CampaignCreate = components["schemas"]["CampaignCreate"];
export type ScenarioBody = components["schemas"]["ScenarioBody"];
