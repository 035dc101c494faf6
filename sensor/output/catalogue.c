/* The one list of field tables, lookup by name, --list-fields printing and
 * JSON emission of a record. */
#include <string.h>

#include "sightline/field.h"

static const struct sl_field_table *const tables[] = {
	&sl_flow_fields,
};

size_t sl_catalogue_tables(void)
{
	return ARRAY_SIZE(tables);
}

const struct sl_field_table *sl_catalogue_table(size_t i)
{
	return i < ARRAY_SIZE(tables) ? tables[i] : NULL;
}

const char *sl_ftype_name(enum sl_ftype t)
{
	static const char *const names[] = {
		"string", "uint", "int", "double", "bool", "ip", "time", "uint[]",
	};
	return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "?";
}

const struct sl_field *sl_catalogue_find(const char *name)
{
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
		for (size_t i = 0; i < tables[t]->n; i++)
			if (strcmp(tables[t]->fields[i].name, name) == 0)
				return &tables[t]->fields[i];
	return NULL;
}

void sl_catalogue_print(FILE *out)
{
	fprintf(out, "%-28s %-7s %s\n", "FIELD", "TYPE", "DESCRIPTION");
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
		for (size_t i = 0; i < tables[t]->n; i++) {
			const struct sl_field *f = &tables[t]->fields[i];
			fprintf(out, "%-28s %-7s %s\n", f->name, sl_ftype_name(f->type), f->desc);
		}
}

static void emit_value(struct sl_json *j, enum sl_ftype type, const struct sl_value *v)
{
	char buf[SL_TIME_STRLEN > SL_ADDR_STRLEN ? SL_TIME_STRLEN : SL_ADDR_STRLEN];
	switch (type) {
	case SL_FT_STRING: sl_json_str(j, v->s); break;
	case SL_FT_UINT: sl_json_u64(j, v->u); break;
	case SL_FT_INT: sl_json_i64(j, v->i); break;
	case SL_FT_DOUBLE: sl_json_double(j, v->d); break;
	case SL_FT_BOOL: sl_json_bool(j, v->b); break;
	case SL_FT_IP: sl_json_str(j, sl_addr_format(&v->ip, buf, sizeof(buf))); break;
	case SL_FT_TIME: sl_json_str(j, sl_time_format(v->t, buf, sizeof(buf))); break;
	case SL_FT_UINT_LIST:
		sl_json_open_array(j);
		for (unsigned k = 0; k < v->n && k < SL_VALUE_LIST_MAX; k++)
			sl_json_u64(j, v->list[k]);
		sl_json_close_array(j);
		break;
	}
}

void sl_catalogue_emit(const struct sl_record *r, struct sl_json *j)
{
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
		for (size_t i = 0; i < tables[t]->n; i++) {
			const struct sl_field *f = &tables[t]->fields[i];
			struct sl_value v;
			v.n = 0;
			if (!f->get(r, &v))
				continue;
			sl_json_path(j, f->name);
			emit_value(j, f->type, &v);
		}
	sl_json_path_reset(j);
}
