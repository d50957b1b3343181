// @vitest-environment jsdom
// Dates follow the console's language, not the browser's locale (an en-US browser showed
// "11/30/2026, 6:33:46 AM" inside the Russian console).
import { afterEach, describe, expect, it } from "vitest";
import { fieldName, formatDateTime, t, toggleLanguage } from "../src/i18n";

const MOMENT = Date.UTC(2026, 10, 30, 6, 33, 46);

describe("i18n", () => {
  afterEach(() => {
    if (t("language") === "Русский") toggleLanguage(); // back to Russian, the default
  });

  it("formats dates in the console's language", () => {
    expect(t("language")).toBe("English"); // Russian by default
    expect(formatDateTime(MOMENT)).toBe(new Date(MOMENT).toLocaleString("ru-RU"));
    expect(formatDateTime(MOMENT)).toMatch(/^30\.11\.2026/);
    toggleLanguage();
    expect(formatDateTime(MOMENT)).toBe(new Date(MOMENT).toLocaleString("en-GB"));
    expect(formatDateTime(MOMENT)).toMatch(/^30\/11\/2026/);
  });

  it("labels a number's column as a number, not as the page's title", () => {
    expect(t("number")).toBe("Номер");
    expect(t("number")).not.toBe(t("numbers"));
    expect(t("reserved")).toBe("зарезервирован");
    expect(t("recording")).toBe("Запись звонка");
    expect(fieldName("awaitingTime")).toBe("Ожидание ввода, с"); // side panel labels
    expect(fieldName("notAField")).toBe("notAField");
    expect(t("free")).toBe("свободен"); // a number's state
    expect(t("Active")).toBe("Активна"); // a campaign's status, as the dashboard shows it
    toggleLanguage();
    expect(t("Active")).toBe("Active");
  });
});
