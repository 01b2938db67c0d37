"""German date formats (config/formats/en/formats.py says which page uses which)."""

DATETIME_FORMAT = "l, j. F Y, H:i"  # Donnerstag, 3. Dezember 2026, 14:00
DATE_FORMAT = "j. F Y"  # 3. Dezember 2026
SHORT_DATE_FORMAT = "j. M Y"  # 3. Dez. 2026
SHORT_DATETIME_FORMAT = "D, j. M Y, H:i"  # Do, 3. Dez. 2026, 14:00
MONTH_DAY_FORMAT = "j. F"  # 3. Dezember
YEAR_MONTH_FORMAT = "F Y"  # Dezember 2026
TIME_FORMAT = "H:i"  # 14:00
FIRST_DAY_OF_WEEK = 1  # Monday
