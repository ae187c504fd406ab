/* placeholder: src/core/rules.c */
