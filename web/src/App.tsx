import { useEffect, useState } from "react";
import { completeSignIn, signIn, signOut } from "./api/auth";
import { api, endRequests, setCustomer, setOnSignedOut } from "./api/client";
import { t, toggleLanguage, useLanguage } from "./i18n";
import { Campaigns } from "./pages/Campaigns";
import { History } from "./pages/History";
import { Ledger } from "./pages/Ledger";
import { Numbers } from "./pages/Numbers";
import { ScenarioEditor } from "./pages/ScenarioEditor";
import { Scenarios } from "./pages/Scenarios";
import { useRoute } from "./route";

interface Me {
  userId: number;
  username: string;
  customerId: number;
}

type Session = { state: "checking" } | { state: "out"; error?: string } | { state: "in"; me: Me };

// The first sign-in completion must run once even under StrictMode's double effects.
let completion: ReturnType<typeof completeSignIn> | null = null;

export function App() {
  useLanguage();
  const [session, setSession] = useState<Session>({ state: "checking" });
  const route = useRoute();

  useEffect(() => {
    setOnSignedOut(() => setSession({ state: "out" }));
    completion ??= completeSignIn();
    void completion.then(async (result) => {
      if (!result.ok) {
        if (result.error) setSession({ state: "out", error: result.error });
        else await signIn(window.location.hash || "#/scenarios");
        return;
      }
      const me = await api<Me>("/v1/me");
      setCustomer(me.customerId);
      setSession({ state: "in", me });
    });
  }, []);

  if (session.state !== "in") {
    return (
      <main className="signed-out">
        <h1>VoiceBox</h1>
        {session.state === "checking" ? (
          <p>{t("signingIn")}</p>
        ) : (
          <>
            <p>{t("signedOutText")}</p>
            {session.error && <p className="error">{session.error}</p>}
            <button onClick={() => void signIn(window.location.hash || "#/scenarios")}>{t("signIn")}</button>
          </>
        )}
      </main>
    );
  }

  const [section, id] = route;
  return (
    <div className="app">
      <header className="top">
        <strong className="brand">VoiceBox</strong>
        <nav aria-label="main">
          {(["scenarios", "campaigns", "history", "numbers", "ledger"] as const).map((name) => (
            <a key={name} href={`#/${name}`} aria-current={section === name ? "page" : undefined}>
              {t(name)}
            </a>
          ))}
        </nav>
        <span className="spacer" />
        <span className="who">{session.me.username}</span>
        <button className="link" onClick={toggleLanguage}>{t("language")}</button>
        <button
          className="link"
          onClick={() => {
            // Pages go first (their timers and polls stop), then the tokens are revoked.
            endRequests();
            setSession({ state: "out" });
            void signOut();
          }}
        >
          {t("signOut")}
        </button>
      </header>
      <main className="content">
        {section === "scenarios" && !id && <Scenarios />}
        {section === "scenarios" && id && <ScenarioEditor key={id} id={Number(id)} />}
        {section === "campaigns" && <Campaigns id={id} />}
        {section === "history" && <History />}
        {section === "numbers" && <Numbers />}
        {section === "ledger" && <Ledger />}
      </main>
    </div>
  );
}
