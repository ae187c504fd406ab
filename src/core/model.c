/* placeholder: src/core/model.c */
