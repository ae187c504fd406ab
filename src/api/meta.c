/* placeholder: src/api/meta.c */
