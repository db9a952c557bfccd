import { buildOpenApiDocument } from "@airlock/core";
import { stringify } from "yaml";
import { VERSION } from "./version.js";

/** docs/openapi.yaml exactly as `airlock-signer openapi` prints it (a test keeps the file in step). */
export function renderOpenApiYaml(): string {
  return stringify(buildOpenApiDocument(VERSION), { lineWidth: 0, aliasDuplicateObjects: false });
}
