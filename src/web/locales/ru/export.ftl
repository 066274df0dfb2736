export-title = Экспорт доказательств
