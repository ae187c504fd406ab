/* migrations.h - the embedded schema migrations (generated migrations.c). */
#ifndef KR_MIGRATIONS_H
#define KR_MIGRATIONS_H

struct store_migration {
	const char *name; /* "001_init.sql" */
	const char *sql;
};

extern const struct store_migration store_migrations[];
extern const int store_migration_count;

#endif
