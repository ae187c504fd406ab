/* placeholder: src/api/common.c */
