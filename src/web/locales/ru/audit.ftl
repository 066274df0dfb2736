# Экраны аудитора: журнал, запись с доказательством включения, цепочка хранения записи.
audit-title = Журнал аудита
audit-lead = Все просмотры, изменения, экспорты и операции с ключами, сначала новые. В записях только идентификаторы и коды, никакого содержания. Ваш просмотр тоже записывается.
audit-filters = Фильтры журнала
audit-actor = Кто действовал
audit-actor-hint = Имя пользователя или его идентификатор. Нажмите на автора записи в списке, чтобы увидеть только его записи.
audit-actor-filter = Показать только записи этого пользователя
audit-actor-none = система
audit-action = Действие
audit-action-hint = Код, например login_failed, case.member_add или key.rotate.
audit-target-type = Тип записи
audit-target-type-hint = Например, case, testimony, user или bundle.
audit-target-id = Идентификатор записи
audit-target = Запись
audit-from = С (дата)
audit-to = По (дата включительно)
audit-filter = Показать
audit-filter-clear = Сбросить фильтры
audit-count = Найдено записей: { $total }.
audit-none = Подходящих записей нет.
audit-seq = №
audit-time = Время
audit-outcome = Результат
audit-outcome-success = успешно
audit-outcome-denied = отказано
audit-outcome-failure = ошибка
audit-session = Сеанс
audit-details = Подробности
audit-entry-link = Запись { $seq } и её доказательство
audit-custody-link = Цепочка хранения
audit-custody-title = Цепочка хранения
audit-custody-none = В журнале нет записей об этом объекте.
audit-custody-verified =
    { $count ->
        [one] Включение записи в подписанный журнал доказано.
       *[other] Включение в подписанный журнал доказано для всех записей ({ $count }).
    }
audit-custody-failed =
    { $count ->
        [one] Не удалось доказать включение в подписанный журнал для { $count } записи. Немедленно сообщите об этом.
       *[many] Не удалось доказать включение в подписанный журнал для { $count } записей. Немедленно сообщите об этом.
    }
audit-proof = Доказательство
audit-proof-ok = подтверждено
audit-proof-bad = не подтверждается
audit-entry-title = Запись журнала аудита
audit-entry-heading = Запись { $seq }
audit-entry-verified =
    { $size ->
        [one] Доказано, что запись входит в подписанный журнал из { $size } записи.
       *[many] Доказано, что запись входит в подписанный журнал из { $size } записей.
    }
audit-entry-not-verified = Не удалось доказать, что запись входит в подписанный журнал. Немедленно сообщите об этом.
audit-proof-title = Доказательство включения
audit-proof-about = Любой, у кого есть открытый ключ журнала, может проверить эту запись, не доверяя этому серверу: вычислить хеш листа по каноническому тексту, пройти путь до корня и проверить подпись контрольной точки.
audit-check-pass = да
audit-check-fail = нет
audit-check-signature = Контрольная точка подписана ключом журнала.
audit-check-leaf = Хеш листа соответствует записи.
audit-check-inclusion = Путь ведёт от листа к подписанному корню.
audit-leaf-index = Номер листа
audit-leaf-hash = Хеш листа
audit-canonical = Канонический текст (из него вычисляется хеш листа)
audit-inclusion-path = Путь до корня
audit-inclusion-empty = В журнале одна запись: её лист и есть корень.
audit-checkpoint-title = Подписанная контрольная точка
audit-checkpoint-about = Проверено здесь ключом, который хранится на этом сервере. Для независимой проверки сравните ключ с опубликованным вашей организацией (custodia audit pubkey) и сохраните копию контрольной точки: каждая следующая должна её продолжать.
audit-tree-size = Записей в журнале
audit-root = Корневой хеш
audit-verifier-key = Открытый ключ журнала
audit-note = Подписанный текст
error-before-from = Конечная дата раньше начальной.
audit-any-action = Любое действие
audit-any-target-type = Любой тип
audit-hide-reads = Скрыть просмотры
audit-hide-reads-hint = Не показывать записи, которые лишь отмечают чтение, — останутся изменения.
