# Экспорт пакетов доказательств юристом.
export-title = Экспорт доказательств
export-intro = Пакет доказательств — подписанный самопроверяемый архив (BagIt) с показаниями, эпизодами, исполнителями и цепочкой хранения, подготовленный для одного вида получателей. В него попадают только показания, свидетели которых согласились на этого получателя; свидетели указаны псевдонимами, если не согласились быть названными.
export-recipient = Получатель
export-recipient-category = Кто получит пакет
export-age = Зашифровать для получателя
export-age-hint = Необязательно: открытый ключ age получателя (начинается с age1). Тогда пакет откроется только его ключом.
export-selection = Что включить
export-whole-case = Всё дело
export-chosen = Только отмеченные ниже показания (и описанные в них эпизоды)
export-preview = Показать, что будет исключено
export-preview-title = Перед экспортом
export-preview-summary =
    { $exported ->
        [one] Войдёт { $exported } показание
        [few] Войдут { $exported } показания
       *[many] Войдут { $exported } показаний
    }, исключено: { $withheld }; включены { $incidents ->
        [one] { $incidents } эпизод
        [few] { $incidents } эпизода
       *[many] { $incidents } эпизодов
    } и { $perpetrators ->
        [one] { $perpetrators } исполнитель
        [few] { $perpetrators } исполнителя
       *[many] { $perpetrators } исполнителей
    }.
export-will-go = Включённые показания
export-withheld = Исключённые показания
export-named = с именем, как согласился свидетель
export-pseudonymous = только под псевдонимом
withheld-not-sealed = ещё не запечатано
withheld-consent-withdrawn = свидетель отозвал согласие
withheld-consent-does-not-cover-recipient = свидетель не согласился на этого получателя
export-confirm = Подтвердите, что это вы
export-confirm-hint = Экспорт записывается в журнал аудита и требует повторного ввода пароля (и свежего одноразового кода, если вы пользуетесь приложением-аутентификатором).
export-button = Экспортировать
bundles-title = Пакеты этого дела
bundle-title = Пакет доказательств
bundle-made = Создан
bundle-status = Состояние
bundle-status-queued = Ожидает начала
bundle-status-building = Собирается
bundle-status-ready = Готов к скачиванию
bundle-status-failed = Ошибка
bundle-status-deleted = Передан и удалён
bundle-progress = Ход сборки
bundle-building = Собирается: { $pct }%. Страница обновляется сама.
refresh = Обновить
bundle-failed = Пакет собрать не удалось. Ничего не осталось; причина — в журнале аудита. Попробуйте снова или сообщите администратору.
bundle-encrypted = Да, с помощью age
bundle-size = Размер
bundle-manifest = SHA-256 манифеста
bundle-archive = SHA-256 файла
bundle-download = Скачать пакет
bundle-delete = Удалить с сервера
bundle-delete-hint = Когда получатель получил пакет, удалите копию с сервера. Запись об экспорте останется в журнале аудита.
verify-title = Как получатель проверяет пакет
verify-intro = Для этого не нужен Custodia и не нужно доверять нам: стандартные инструменты проверяют, что пакет полон, не изменён и подписан вашей организацией.
verify-age = Расшифровать своим ключом:
verify-unpack = Распаковать:
verify-minisign = Проверить подпись открытым ключом организации,
verify-public-key = export-key.pub
verify-bagit = Проверить каждый файл по манифестам любым валидатором BagIt:
verify-custodia = Или проверить всё, включая цепочку хранения, верификатором Custodia:
error-wrong-password = Неверный пароль.
error-totp = Введите текущий одноразовый код из приложения-аутентификатора.
error-insufficient-storage = На сервере недостаточно места для этого пакета. Экспортируйте меньше показаний или обратитесь к администратору.
error-not-in-case = Здесь можно экспортировать только записи этого дела.
error-too-many = Выбрано слишком много записей.
error-invalid-age-recipient = Это не открытый ключ age (он начинается с age1).
