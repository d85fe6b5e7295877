/**
 * SDK version reported as `runpod_version` on pings, fitness reports and error info.
 * Kept as a literal (not read from package.json at runtime) so it survives bundling; a test pins it to package.json.
 */
export const version = "0.1.0";
