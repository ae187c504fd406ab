/* placeholder: src/util/config.c */
