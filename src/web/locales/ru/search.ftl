# Поиск.
search-title = Поиск
search-intro = Ищите показания по словам в любой форме (избили, избивали) или людей по имени в любом написании. Поиск идёт только по вашим делам; запрос записывается в журнал аудита в зашифрованном виде, а не открытым текстом.
search-words = Слова
search-words-hint = Должны встретиться все слова. Фразу в "кавычках" ищем точно.
search-kind = Что искать
search-case = Дело
search-all-cases = Все мои дела
search-from = Эпизоды с
search-to = Эпизоды по
search-button = Найти
search-results = { $total ->
    [one] { $total } результат
    [few] { $total } результата
   *[many] { $total } результатов
}
search-none = Ничего не найдено. Попробуйте меньше слов или другие их формы.
search-page = { $from }–{ $to } из { $total }
any = Любой
pages = Страницы
previous = Назад
next = Дальше
search-filters = Фильтры
