/* placeholder: src/core/validate.c */
