/* placeholder: src/api/indicators.c */
