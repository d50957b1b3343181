"""The catalog's ready-made scenarios (spec §3.1), in Russian, each one valid."""

from __future__ import annotations

from typing import Any

from voicebox.scenarios.catalog.build import (
    branch,
    collect,
    condition,
    dial,
    http,
    initial,
    ivr,
    layout,
    pause,
    release,
    say,
    transfer,
)

END = "Завершение"
AGREE = ("1", "Согласие")
REFUSE = ("2", "Отказ")
CALL_BACK = ("3", "Перезвонить")
OPERATOR = ("4", "Оператор")
REPEAT = ("5", "Повторить")
PAID = ("8", "Оплачено")
VOICEMAIL_TEXT = (
    "Здравствуйте! Это автоматический звонок от {{company}}. Мы перезвоним вам позже. До свидания!"
)


def _appointment() -> list[dict[str, Any]]:
    return layout(
        [
            initial("Звонок"),
            dial("Звонок", success="Напоминание", error=END),
            ivr(
                "Напоминание",
                "Здравствуйте, {{fio}}! Напоминаем, что вы записаны к специалисту {{doctor}} "
                "{{date}} в {{time}}. Если придёте — нажмите 1 или скажите «да». "
                "Чтобы отменить запись, нажмите 2. Чтобы перенести — нажмите 3.",
                [
                    branch("Подтверждено", dtmf="1", words="приду, буду", keywords=(AGREE,)),
                    branch(
                        "Отменено",
                        dtmf="2",
                        words="отменить, отмените, не приду",
                        keywords=(REFUSE,),
                    ),
                    branch(
                        "Перенос",
                        dtmf="3",
                        words="перенести, перенесите, другое время",
                        keywords=(CALL_BACK, OPERATOR),
                    ),
                    branch("Напоминание", dtmf="*", keywords=(REPEAT,)),
                ],
                invalid="Не понял",
                no_input="Нет ответа",
                machine="Автоответчик",
            ),
            say("Не понял", "Извините, я не расслышал ответ.", "Напоминание"),
            say("Подтверждено", "Спасибо! Ждём вас {{date}} в {{time}}. До свидания!", END),
            say(
                "Отменено", "Запись отменена. Будем рады видеть вас в другой раз. До свидания!", END
            ),
            say(
                "Перенос",
                "Соединяю с администратором, чтобы подобрать удобное время.",
                "Администратор",
            ),
            transfer("Администратор", "{{clinicPhone}}", then=END),
            say(
                "Нет ответа",
                "Не удалось получить ответ. Напомним о записи позже. До свидания!",
                END,
            ),
            say("Автоответчик", VOICEMAIL_TEXT, END),
            release(END),
        ]
    )


def _nps() -> list[dict[str, Any]]:
    return layout(
        [
            initial("Звонок"),
            dial("Звонок", success="Оценка", error=END),
            collect(
                "Оценка",
                "Здравствуйте, {{fio}}! Оцените, пожалуйста, по шкале от 0 до 10, "
                "насколько вероятно, "
                "что вы порекомендуете {{company}} друзьям. Нажмите цифру на телефоне, "
                "для оценки 10 нажмите 1, затем 0, затем решётку.",
                "score",
                then="Разбор оценки",
                no_input="Нет ответа",
                max_length=2,
            ),
            condition(
                "Разбор оценки",
                [
                    ("score", "empty", "", "Повтор"),
                    ("score", "gt", "10", "Повтор"),
                    ("score", "ge", "9", "Промоутер"),
                    ("score", "ge", "7", "Нейтрал"),
                ],
                otherwise="Критик",
            ),
            ivr(
                "Повтор",
                "Оценка должна быть от 0 до 10. Нажмите 1, чтобы ответить ещё раз, "
                "или 2, чтобы завершить опрос.",
                [
                    branch("Оценка", dtmf="1", keywords=(AGREE,)),
                    branch("Спасибо", dtmf="2", keywords=(REFUSE,)),
                ],
                invalid="Спасибо",
                no_input="Спасибо",
            ),
            say("Промоутер", "Спасибо за высокую оценку! Нам очень приятно.", "Спасибо"),
            say("Нейтрал", "Спасибо! Мы постараемся стать лучше.", "Спасибо"),
            say(
                "Критик", "Нам жаль, что вы недовольны. Передадим ваш отзыв руководству.", "Спасибо"
            ),
            say("Спасибо", "Благодарим за участие в опросе. До свидания!", END),
            say("Нет ответа", "Не удалось получить оценку. До свидания!", END),
            release(END),
        ]
    )


def _delivery() -> list[dict[str, Any]]:
    return layout(
        [
            initial("Звонок"),
            dial("Звонок", success="Подтверждение", error=END),
            ivr(
                "Подтверждение",
                "Здравствуйте, {{fio}}! Курьер {{company}} привезёт заказ номер {{orderNumber}} "
                "{{deliveryDate}} с {{timeFrom}} до {{timeTo}} по адресу {{address}}. "
                "Если всё верно, нажмите 1 или скажите «да». Если нужно изменить время "
                "или адрес — нажмите 2, и мы соединим вас с оператором.",
                [
                    branch("Подтверждено", dtmf="1", words="жду, удобно", keywords=(AGREE,)),
                    branch(
                        "Оператор соединение",
                        dtmf="2",
                        words="изменить, другое время, другой адрес",
                        keywords=(REFUSE, OPERATOR),
                    ),
                ],
                invalid="Нет ответа",
                no_input="Нет ответа",
                machine="Автоответчик",
            ),
            say("Подтверждено", "Спасибо! Курьер позвонит за час до приезда. До свидания!", END),
            say("Оператор соединение", "Соединяю с оператором службы доставки.", "Оператор"),
            transfer("Оператор", "{{operatorPhone}}", then=END),
            say(
                "Нет ответа",
                "Мы не получили подтверждения. Доставка пройдёт в указанное время. До свидания!",
                END,
            ),
            say("Автоответчик", VOICEMAIL_TEXT, END),
            release(END),
        ]
    )


def _debt() -> list[dict[str, Any]]:
    return layout(
        [
            initial("Звонок"),
            dial("Звонок", success="Напоминание", error=END),
            ivr(
                "Напоминание",
                "Здравствуйте, {{fio}}! Это {{company}}. "
                "По договору {{contract}} есть задолженность "
                "{{amount}} рублей, срок оплаты — {{dueDate}}. Если вы уже оплатили, нажмите 1. "
                "Если оплатите до срока — нажмите 2. Чтобы поговорить с оператором — нажмите 0.",
                [
                    branch(
                        "Уже оплачено",
                        dtmf="1",
                        words="оплатил, оплатила, заплатил",
                        keywords=(PAID,),
                    ),
                    branch("Обещание", dtmf="2", words="оплачу, заплачу", keywords=(AGREE,)),
                    branch("Соединение", dtmf="0", keywords=(OPERATOR,)),
                    branch("Напоминание", dtmf="*", keywords=(REPEAT,)),
                ],
                invalid="Соединение",
                no_input="Нет ответа",
                machine="Автоответчик",
            ),
            say(
                "Уже оплачено",
                "Спасибо! Платёж отразится в течение трёх рабочих дней. До свидания!",
                END,
            ),
            say("Обещание", "Спасибо! Ждём оплату до {{dueDate}}. До свидания!", END),
            say(
                "Соединение",
                "Соединяю со специалистом. Пожалуйста, оставайтесь на линии.",
                "Оператор",
            ),
            transfer("Оператор", "{{operatorPhone}}", then=END),
            say(
                "Нет ответа", "Пожалуйста, оплатите задолженность до {{dueDate}}. До свидания!", END
            ),
            say("Автоответчик", VOICEMAIL_TEXT, END),
            release(END),
        ]
    )


def _inbound_menu() -> list[dict[str, Any]]:
    return layout(
        [
            initial("Приветствие"),
            ivr(
                "Приветствие",
                "Здравствуйте! Вы позвонили в {{company}}. Чтобы узнать часы работы и адрес, "
                "нажмите 1. Отдел продаж — 2. Поддержка — 3. Повторить меню — звёздочка.",
                [
                    branch("Часы работы", dtmf="1", words="часы работы, адрес, режим работы"),
                    branch("Продажи", dtmf="2", words="продажи, купить, заказать"),
                    branch(
                        "Поддержка",
                        dtmf="3",
                        words="поддержка, проблема, не работает",
                        keywords=(OPERATOR,),
                    ),
                    branch("Приветствие", dtmf="*", keywords=(REPEAT,)),
                ],
                invalid="Не понял",
                no_input="Продажи",
            ),
            say("Не понял", "Извините, такого пункта нет.", "Приветствие"),
            say(
                "Часы работы",
                "Мы работаем ежедневно с 9 до 21 часа. Адрес: {{address}}.",
                "Ещё вопрос",
            ),
            ivr(
                "Ещё вопрос",
                "Чтобы вернуться в главное меню, нажмите 1. Чтобы завершить — 2.",
                [
                    branch("Приветствие", dtmf="1", keywords=(AGREE,)),
                    branch("Прощание", dtmf="2", keywords=(REFUSE,)),
                ],
                invalid="Прощание",
                no_input="Прощание",
            ),
            say("Продажи", "Соединяю с отделом продаж.", "Отдел продаж"),
            transfer("Отдел продаж", "{{salesPhone}}", then=END),
            say("Поддержка", "Соединяю со службой поддержки.", "Служба поддержки"),
            transfer("Служба поддержки", "{{supportPhone}}", then=END),
            say("Прощание", "Спасибо за звонок! До свидания!", END),
            release(END),
        ]
    )


def _order_status() -> list[dict[str, Any]]:
    return layout(
        [
            initial("Приветствие"),
            collect(
                "Приветствие",
                "Здравствуйте! Это {{company}}. Введите номер заказа и нажмите решётку.",
                "orderNumber",
                then="Запрос статуса",
                no_input="Оператор соединение",
                max_length=12,
                voice=False,
            ),
            http(
                "Запрос статуса",
                host="api.example.ru",
                url="/orders/{{orderNumber}}/status",
                code_var="httpCode",
                body_vars={"orderStatus": "status", "deliveryDate": "date"},
                success="Разбор статуса",
                error="Ошибка",
            ),
            condition(
                "Разбор статуса",
                [
                    ("orderStatus", "eq", "delivered", "Доставлен"),
                    ("orderStatus", "eq", "shipped", "В пути"),
                    ("orderStatus", "empty", "", "Не найден"),
                ],
                otherwise="Обрабатывается",
            ),
            say("Доставлен", "Заказ {{orderNumber}} уже доставлен.", "Прощание"),
            say(
                "В пути",
                "Заказ {{orderNumber}} в пути, ожидаемая дата доставки — {{deliveryDate}}.",
                "Прощание",
            ),
            say(
                "Обрабатывается",
                "Заказ {{orderNumber}} собирается. Мы сообщим, когда он будет отправлен.",
                "Прощание",
            ),
            say("Не найден", "Заказ с таким номером не найден.", "Оператор соединение"),
            say("Ошибка", "Не удалось получить статус заказа.", "Оператор соединение"),
            say("Оператор соединение", "Соединяю с оператором.", "Оператор"),
            transfer("Оператор", "{{operatorPhone}}", then=END),
            say("Прощание", "Спасибо за звонок! До свидания!", END),
            release(END),
        ]
    )


def _callback_later() -> list[dict[str, Any]]:
    return layout(
        [
            initial("Звонок"),
            dial("Звонок", success="Предложение", error=END),
            ivr(
                "Предложение",
                "Здравствуйте, {{fio}}! {{company}} приглашает вас на {{event}}. "
                "Вам интересно? Скажите «да», «нет» или «перезвоните позже».",
                [
                    branch("Интерес", dtmf="1", keywords=(AGREE,)),
                    branch("Отказ", dtmf="2", keywords=(REFUSE,)),
                    branch("Пауза", dtmf="3", keywords=(CALL_BACK,)),
                ],
                invalid="Отказ",
                no_input="Отказ",
                machine="Автоответчик",
            ),
            pause("Пауза", 1, "Позже"),
            say("Позже", "Хорошо, мы перезвоним вам в другое время. До свидания!", END),
            say("Интерес", "Отлично! Мы отправим приглашение в сообщении. До свидания!", END),
            say("Отказ", "Спасибо за уделённое время. До свидания!", END),
            say("Автоответчик", VOICEMAIL_TEXT, END),
            release(END),
        ]
    )


_SETTINGS = {"voice": "oksana", "speed": 100, "emotion": "good"}

TEMPLATES: list[dict[str, Any]] = [
    {
        "id": "appointment-reminder",
        "name": "Напоминание о записи",
        "description": "Напоминает о визите и принимает ответ: подтвердить, отменить или "
        "перенести запись (с переводом на администратора).",
        "type": "outgoing",
        "icon": "calendar",
        "states": _appointment(),
        "customVariables": ["fio", "doctor", "date", "time", "company", "clinicPhone"],
    },
    {
        "id": "nps-survey",
        "name": "Опрос NPS",
        "description": "Спрашивает оценку от 0 до 10, делит ответы на промоутеров, нейтралов и "
        "критиков; оценка сохраняется в переменной score.",
        "type": "outgoing",
        "icon": "star",
        "states": _nps(),
        "customVariables": ["fio", "company"],
    },
    {
        "id": "delivery-confirmation",
        "name": "Подтверждение доставки",
        "description": "Сообщает время и адрес доставки; клиент подтверждает или переходит к "
        "оператору, чтобы изменить детали.",
        "type": "outgoing",
        "icon": "truck",
        "states": _delivery(),
        "customVariables": [
            "fio",
            "company",
            "orderNumber",
            "deliveryDate",
            "timeFrom",
            "timeTo",
            "address",
            "operatorPhone",
        ],
    },
    {
        "id": "debt-reminder",
        "name": "Напоминание о задолженности",
        "description": "Сообщает сумму и срок оплаты, принимает «уже оплатил» и обещание "
        "оплатить, переводит на оператора по запросу.",
        "type": "outgoing",
        "icon": "wallet",
        "states": _debt(),
        "customVariables": ["fio", "company", "contract", "amount", "dueDate", "operatorPhone"],
    },
    {
        "id": "inbound-ivr-menu",
        "name": "Голосовое меню для входящих",
        "description": "Приветствие и меню: часы работы, отдел продаж, поддержка; понимает "
        "кнопки и голос.",
        "type": "incoming",
        "icon": "menu",
        "states": _inbound_menu(),
        "customVariables": ["company", "address", "salesPhone", "supportPhone"],
    },
    {
        "id": "order-status",
        "name": "Статус заказа",
        "description": "Клиент вводит номер заказа, робот узнаёт статус в вашей системе через "
        "HTTP-запрос и озвучивает его; при ошибке — перевод на оператора.",
        "type": "incoming",
        "icon": "package",
        "states": _order_status(),
        "customVariables": ["company", "operatorPhone"],
    },
    {
        "id": "event-invitation",
        "name": "Приглашение на мероприятие",
        "description": "Приглашает на мероприятие и понимает ответы «да», «нет» и "
        "«перезвоните позже».",
        "type": "outgoing",
        "icon": "megaphone",
        "states": _callback_later(),
        "customVariables": ["fio", "company", "event"],
    },
]

for _template in TEMPLATES:
    _template.update(settings=dict(_SETTINGS), visible="true", archive="false", author="VoiceBox")
