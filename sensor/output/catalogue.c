/* The one list of field tables, lookup by name, --list-fields printing and
 * JSON emission of a record. */
#include <string.h>

#include "sightline/field.h"
#include "sightline/proto.h"

/* The flow module's table first, then each parser's, in registry order:
 * the catalogue names no parser itself. */
size_t sl_catalogue_tables(void)
{
	size_t n = 1;
	for (size_t i = 0; i < sl_proto_count(); i++)
		n += sl_proto_at(i)->fields != NULL;
	return n;
}

const struct sl_field_table *sl_catalogue_table(size_t i)
{
	if (i == 0)
		return &sl_flow_fields;
	for (size_t k = 0; k < sl_proto_count(); k++)
		if (sl_proto_at(k)->fields && --i == 0)
			return sl_proto_at(k)->fields;
	return NULL;
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
	const struct sl_field_table *tab;
	for (size_t t = 0; (tab = sl_catalogue_table(t)) != NULL; t++)
		for (size_t i = 0; i < tab->n; i++)
			if (strcmp(tab->fields[i].name, name) == 0)
				return &tab->fields[i];
	return NULL;
}

void sl_catalogue_print(FILE *out)
{
	fprintf(out, "%-28s %-7s %s\n", "FIELD", "TYPE", "DESCRIPTION");
	const struct sl_field_table *tab;
	for (size_t t = 0; (tab = sl_catalogue_table(t)) != NULL; t++)
		for (size_t i = 0; i < tab->n; i++) {
			const struct sl_field *f = &tab->fields[i];
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
	const struct sl_field_table *tab;
	for (size_t t = 0; (tab = sl_catalogue_table(t)) != NULL; t++)
		for (size_t i = 0; i < tab->n; i++) {
			const struct sl_field *f = &tab->fields[i];
			struct sl_value v;
			v.n = 0;
			if (!f->get(r, &v))
				continue;
			sl_json_path(j, f->name);
			emit_value(j, f->type, &v);
		}
	sl_json_path_reset(j);
}
