// Russian by default, English on the switch; a missing key shows the key itself.
import { useSyncExternalStore } from "react";

const RU: Record<string, string> = {
  scenarios: "Сценарии", campaigns: "Кампании", history: "История звонков", numbers: "Номера и баланс",
  signIn: "Войти", signOut: "Выйти", signingIn: "Вход…", signedOutText: "Войдите, чтобы открыть консоль VoiceBox.",
  balance: "Баланс", create: "Создать", save: "Сохранить", saved: "Сохранено", validate: "Проверить",
  valid: "Сценарий корректен", undo: "Отменить", redo: "Повторить", delete: "Удалить", layout: "Авторасстановка",
  download: "Скачать JSON", upload: "Загрузить JSON", tryIt: "Проверить на симуляторе", palette: "Добавить состояние",
  newScenario: "Новый сценарий", fromTemplate: "Из шаблона", importShare: "Импорт по shareLink", title: "Название",
  type: "Тип", open: "Открыть", name: "Имя", problems: "Ошибки", noProblems: "Ошибок нет", state: "Состояние",
  scenario: "Сценарий", callerNumber: "Номер звонящего", window: "Окно звонков", timezone: "Часовой пояс",
  lines: "Линии", attempts: "Попытки", interval: "Интервал, мин", abonentsFile: "Абоненты (CSV, XLSX)",
  preview: "Предпросмотр", status: "Статус", progress: "Прогресс", report: "Отчёт", dashboard: "Панель",
  pause: "Пауза", resume: "Возобновить", stop: "Остановить", inFlight: "В процессе", done: "Завершено",
  failed: "Неудачно", waiting: "Ожидают", cancelled: "Отменено", spent: "Потрачено", outcomes: "Итоги звонков",
  branches: "Ответы по веткам IVR", campaign: "Кампания", from: "С", to: "По", all: "Все", prev: "Назад",
  next: "Вперёд", play: "Слушать", trace: "Путь", date: "Дата", duration: "Длительность", callee: "Абонент",
  search: "Поиск", mask: "Маска", reserve: "Зарезервировать", buy: "Купить", release: "Отказаться",
  myNumbers: "Мои номера", ledger: "Операции", behaviour: "Поведение абонента", inputs: "Ввод (через запятую)",
  run: "Запустить", running: "Звонок идёт…", pathLit: "Путь звонка подсвечен", variables: "Переменные",
  noNumber: "Нет номера: купите его в разделе «Номера и баланс».", loading: "Загрузка…", close: "Закрыть",
  listen: "Прослушать", hint: "Переменные", text: "Текст", file: "Файл", voice: "Голос", speed: "Скорость",
  emotion: "Эмоция", add: "Добавить", remove: "Убрать", key: "Ключ", value: "Значение", keywords: "Ключевые слова",
  dtmf: "Цифры", words: "Слова", customVariables: "Переменные абонента", comment: "Комментарий", back: "Назад",
  rows: "строк", total: "Всего", reload: "Обновить", empty: "Пусто", edit: "Редактировать",
  success: "успех", error: "ошибка", onNoInput: "нет ввода", onInvalidInput: "неверный ввод",
  onExpiry: "время вышло", onDetectAI: "автоответчик", onAParty: "сторона A", settings: "Настройки",
  language: "English", result: "Результат", selectState: "Выберите состояние на схеме, чтобы изменить его.",
  created: "Создано", credit: "кредит", said: "Сказано", onGraph: "Путь на схеме", region: "Регион", category: "Категория", heard: "Услышано", callId: "ID звонка", close_: "Закрыть",
  campaignKind: "Тип кампании", kindList: "Исходящая по списку", kindHttp: "Исходящая по HTTP", kindInbound: "Входящая",
  startDate: "Начало", stopDate: "Окончание", simulation: "Симулятор", simulateCustom: "Задать поведение абонентов",
  seed: "Seed", rule: "Правило", match: "Номер или маска", answerDelay: "Задержка ответа, с", entryPoint: "Точка входа", recordingFailed: "Запись не загрузилась", first: "Первая страница", last: "Последняя страница",
  money: "Баланс и операции", dialledNumber: "Набираемый номер", tryInbound: "Симулятор позвонит на номер входящей кампании с вводом ниже.", amount: "Сумма", kind: "Вид", description: "Описание", reference: "Ссылка",
  number: "Номер", reserved: "зарезервирован", recording: "Запись звонка",
  // Campaign statuses (the API's values; English shows them as they are).
  // The side panel's fields (the API's key is shown beside them).
  "field.announcement": "Объявление",
  "field.awaitingTime": "Ожидание ввода, с",
  "field.callingPartyDisplay": "Показываемый номер",
  "field.conditions": "Условия",
  "field.detectAI": "Распознавать автоответчик",
  "field.extension": "Добавочный",
  "field.forwardType": "Способ перевода",
  "field.headers": "Заголовки",
  "field.host": "Хост",
  "field.immediateStt": "Распознавать сразу",
  "field.inputAnalysis": "Ветки ответа",
  "field.inputMaxLength": "Длина ввода, макс.",
  "field.keyboardInput": "Ввод с клавиатуры",
  "field.method": "Метод",
  "field.numberB": "Номер B",
  "field.phone": "Телефон",
  "field.port": "Порт",
  "field.protocol": "Протокол",
  "field.repeatCount": "Повторов",
  "field.requestParameters": "Параметры запроса",
  "field.requestParametersRaw": "Тело запроса",
  "field.requestParametersType": "Тип параметров",
  "field.responseBodyVariables": "Переменные из ответа",
  "field.responseCodeVariable": "Переменная для кода ответа",
  "field.sipUri": "SIP URI",
  "field.timeout": "Таймаут, с",
  "field.url": "URL",
  "field.variable": "Переменная",
  "field.voiceInput": "Голосовой ввод",
  free: "свободен", // a number's state (and `reserved` above)
  Active: "Активна", Paused: "На паузе", Suspended: "Приостановлена", Stopped: "Остановлена",
};

const EN: Record<string, string> = {
  scenarios: "Scenarios", campaigns: "Campaigns", history: "Call history", numbers: "Numbers & balance",
  signIn: "Sign in", signOut: "Sign out", signingIn: "Signing in…", signedOutText: "Sign in to open the VoiceBox console.",
  balance: "Balance", create: "Create", save: "Save", saved: "Saved", validate: "Validate", valid: "The scenario is valid",
  undo: "Undo", redo: "Redo", delete: "Delete", layout: "Auto layout", download: "Download JSON", upload: "Upload JSON",
  tryIt: "Try on the simulator", palette: "Add a state", newScenario: "New scenario", fromTemplate: "From template",
  importShare: "Import by shareLink", title: "Title", type: "Type", open: "Open", name: "Name", problems: "Problems",
  noProblems: "No problems", state: "State", scenario: "Scenario", callerNumber: "Caller number", window: "Calling window",
  timezone: "Time zone", lines: "Lines", attempts: "Attempts", interval: "Interval, min", abonentsFile: "Abonents (CSV, XLSX)",
  preview: "Preview", status: "Status", progress: "Progress", report: "Report", dashboard: "Dashboard", pause: "Pause",
  resume: "Resume", stop: "Stop", inFlight: "In flight", done: "Done", failed: "Failed", waiting: "Waiting",
  cancelled: "Cancelled", spent: "Spent", outcomes: "Call outcomes", branches: "Answers per IVR branch", campaign: "Campaign",
  from: "From", to: "To", all: "All", prev: "Previous", next: "Next", play: "Play", trace: "Path", date: "Date",
  duration: "Duration", callee: "Callee", search: "Search", mask: "Mask", reserve: "Reserve", buy: "Buy", release: "Release",
  myNumbers: "My numbers", ledger: "Ledger", behaviour: "Subscriber behaviour", inputs: "Inputs (comma separated)",
  run: "Run", running: "Calling…", pathLit: "The call's path is lit", variables: "Variables",
  noNumber: "No number: buy one under “Numbers & balance”.", loading: "Loading…", close: "Close", listen: "Listen",
  hint: "Variables", text: "Text", file: "File", voice: "Voice", speed: "Speed", emotion: "Emotion", add: "Add",
  remove: "Remove", key: "Key", value: "Value", keywords: "Keywords", dtmf: "Digits", words: "Words",
  customVariables: "Abonent variables", comment: "Comment", back: "Back", rows: "rows", total: "Total", reload: "Reload",
  empty: "Empty", edit: "Edit", settings: "Settings", language: "Русский", result: "Result",
  selectState: "Select a state on the graph to edit it.", created: "Created", credit: "credit", said: "Said", onGraph: "Path on the graph", region: "Region", category: "Category", heard: "Heard", callId: "Call id", close_: "Close",
  campaignKind: "Campaign type", kindList: "Outbound from a list", kindHttp: "Outbound by HTTP", kindInbound: "Inbound",
  startDate: "Start", stopDate: "Stop", simulation: "Simulator", simulateCustom: "Set subscriber behaviour",
  seed: "Seed", rule: "Rule", match: "Number or pattern", answerDelay: "Answer delay, s", entryPoint: "Entry point", recordingFailed: "The recording did not load", first: "First page", last: "Last page",
  money: "Balance and ledger", dialledNumber: "Dialled number", tryInbound: "The simulator calls an inbound campaign on the number with the inputs below.", amount: "Amount", kind: "Kind", description: "Description", reference: "Reference",
  number: "Number", reserved: "reserved", recording: "Call recording",
  "field.announcement": "Announcement",
  "field.awaitingTime": "Wait for input, s",
  "field.callingPartyDisplay": "Displayed number",
  "field.conditions": "Conditions",
  "field.detectAI": "Detect answering machines",
  "field.extension": "Extension",
  "field.forwardType": "Transfer type",
  "field.headers": "Headers",
  "field.host": "Host",
  "field.immediateStt": "Recognise at once",
  "field.inputAnalysis": "Answer branches",
  "field.inputMaxLength": "Input length, max",
  "field.keyboardInput": "Keypad input",
  "field.method": "Method",
  "field.numberB": "Number B",
  "field.phone": "Phone",
  "field.port": "Port",
  "field.protocol": "Protocol",
  "field.repeatCount": "Repeats",
  "field.requestParameters": "Request parameters",
  "field.requestParametersRaw": "Request body",
  "field.requestParametersType": "Parameters type",
  "field.responseBodyVariables": "Variables from the response",
  "field.responseCodeVariable": "Variable for the response code",
  "field.sipUri": "SIP URI",
  "field.timeout": "Timeout, s",
  "field.url": "URL",
  "field.variable": "Variable",
  "field.voiceInput": "Voice input",
};

const stored = typeof localStorage === "undefined" ? null : localStorage.getItem("voicebox.lang");
let language: "ru" | "en" = stored === "en" ? "en" : "ru";
const listeners = new Set<() => void>();

export function t(key: string): string {
  return (language === "ru" ? RU : EN)[key] ?? EN[key] ?? key;
}

/** A moment (unix ms, ISO string or Date) in the console's language, not the browser's locale. */
export function formatDateTime(value: number | string | Date): string {
  return new Date(value).toLocaleString(language === "ru" ? "ru-RU" : "en-GB");
}

/** A scenario field's label in the console's language; the API's key when none is known. */
export function fieldName(key: string): string {
  const text = t(`field.${key}`);
  return text === `field.${key}` ? key : text;
}

export function toggleLanguage() {
  language = language === "ru" ? "en" : "ru";
  localStorage.setItem("voicebox.lang", language);
  document.documentElement.lang = language;
  listeners.forEach((l) => l());
}

export function useLanguage(): string {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => language,
  );
}
