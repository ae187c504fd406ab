/* placeholder: src/store/store.c */
