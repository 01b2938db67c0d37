"""Hebrew date formats (config/formats/en/formats.py says which page uses which)."""

DATETIME_FORMAT = "l, j בF Y, H:i"  # יום חמישי, 3 בדצמבר 2026, 14:00
DATE_FORMAT = "j בF Y"  # 3 בדצמבר 2026
SHORT_DATE_FORMAT = "j בM Y"  # 3 בדצמ׳ 2026
SHORT_DATETIME_FORMAT = "D, j בM Y, H:i"
MONTH_DAY_FORMAT = "j בF"  # 3 בדצמבר
YEAR_MONTH_FORMAT = "F Y"  # דצמבר 2026
TIME_FORMAT = "H:i"  # 14:00
FIRST_DAY_OF_WEEK = 0  # Sunday
