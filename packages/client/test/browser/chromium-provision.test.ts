import { describe, expect, it } from "vitest";
import {
  DEFAULT_CHROMIUM_PATH,
  installBlocker,
  missingChromiumMessage,
  NO_APT_ENV,
} from "./chromium-provision.js";

const allowed = { path: DEFAULT_CHROMIUM_PATH, env: {}, isRoot: true, hasAptGet: true };

describe("provisioning Chromium", () => {
  it("installs Debian's Chromium as root with apt-get", () => {
    expect(installBlocker(allowed)).toBeUndefined();
  });

  it("says why it will not install it", () => {
    expect(installBlocker({ ...allowed, isRoot: false })).toMatch(/only when run as root/);
    expect(installBlocker({ ...allowed, hasAptGet: false })).toMatch(/apt-get was not found/);
    expect(installBlocker({ ...allowed, env: { [NO_APT_ENV]: "1" } })).toMatch(
      new RegExp(`${NO_APT_ENV} is set`),
    );
    expect(installBlocker({ ...allowed, path: "/opt/chrome/chrome" })).toMatch(/GANTRY_CHROMIUM_PATH/);
  });

  it("the failure names the path, the reason and the exact install command", () => {
    const message = missingChromiumMessage(
      "/usr/bin/chromium",
      "the tests install it themselves only when run as root",
    );
    expect(message).toContain("Chromium not found at /usr/bin/chromium");
    expect(message).toContain("only when run as root");
    expect(message).toContain("`apt-get update && apt-get install -y chromium`");
  });
});
