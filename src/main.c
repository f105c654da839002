#include "config.h"

#include "cli.h"
#include "ui.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
	"Usage: sdsfhir [SERVER-OPTION]... [PATH]...     the terminal UI (PATH: default .)\n"
	"       sdsfhir COMMAND [OPTION]... ARG...\n"
	"Describe SPARC SDS MRI datasets as FHIR R4 resources.\n"
	"\n"
	"Commands:\n"
	"  scan [--json] [-v] [-j N] PATH...   list datasets, subjects, studies, series,\n"
	"                                      instances, warnings and per-file errors\n"
	"  tags [--json] FILE...               print the DICOM tags sdsfhir reads\n"
	"  fhir [--resource patient|study] [--zone Z] [--patient-system URI] PATH...\n"
	"                                      print the FHIR transaction Bundle (or resources)\n"
	"  patient PATH...                     create the Patients on the server (conditional create)\n"
	"  push [--batch N] [--max-request BYTES] PATH...\n"
	"                                      push studies with their Patients (transactions)\n"
	"  bodysite [--code CODE [--display T]] PATH...\n"
	"                                      set series bodySite on studies already pushed\n"
	"  status PATH...                      compare the studies with the server's copies\n"
	"  search [--json|--table] [--all] QUERY | --patient NAME | --bodysite CODE|NAME\n"
	"         | --identifier VALUE | --dataset NAME\n"
	"\n"
	"Server options: --server URL, --token-file FILE (or SDSFHIR_TOKEN), --netrc,\n"
	"  --netrc-file F, --oauth-token-url URL, --oauth-client-id ID, --oauth-secret-file F\n"
	"  (or SDSFHIR_CLIENT_SECRET), --cacert F, --insecure, --timeout S,\n"
	"  --connect-timeout S, --retries N, --config FILE, -v (log requests)\n"
	"\n"
	"PATH is a dataset folder (holding primary/), a folder of datasets, a primary/,\n"
	"subject or sample folder.\n"
	"\n"
	"Options:\n"
	"  -h, --help      show this help and exit\n"
	"  -V, --version   show the version and exit\n"
	"\n"
	"Exit status: 0 ok, 1 partly done (some items failed), 2 usage error, 3 the server\n"
	"refused, 4 cannot work at all, 5 cannot reach the server, 6 credentials refused.\n"
	"See sdsfhir(1).\n";

/* The keys of the UI, from src/keys.def: as text, or as the man page's KEYS section. */
static int help_keys(int man)
{
	static const struct { const char *keys, *help; } table[] = {
#define KEY_ACTION(id, keys, k1, k2, k3, help) {keys, help},
#include "keys.def"
#undef KEY_ACTION
	};
	for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
		if (man)
			printf(".TP\n.B %s\n%s.\n", table[i].keys, table[i].help);
		else
			printf("%-18s %s\n", table[i].keys, table[i].help);
	}
	return CLI_EXIT_OK;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{"scan", cli_scan},
	{"tags", cli_tags},
	{"fhir", cli_fhir},
	{"patient", cli_patient},
	{"push", cli_push},
	{"bodysite", cli_bodysite},
	{"search", cli_search},
	{"status", cli_status},
};

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	}
	if (argc >= 2 && strncmp(argv[1], "--help-keys", 11) == 0)
		return help_keys(strcmp(argv[1], "--help-keys=man") == 0);
	if (argc >= 2 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("sdsfhir %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	for (size_t i = 1; argc >= 2 && i < sizeof commands / sizeof *commands + 1; i++)
		if (strcmp(argv[1], commands[i - 1].name) == 0)
			return commands[i - 1].run(argc - 1, argv + 1);
	struct stat st;
	if (argc >= 2 && strcmp(argv[1], "-") == 0) {
		fprintf(stderr, "sdsfhir: '-': datasets are folders, not read from standard input\nTry 'sdsfhir --help'.\n");
		return CLI_EXIT_USAGE;
	}
	if (argc >= 2 && argv[1][0] != '-' && stat(argv[1], &st) != 0) {
		fprintf(stderr, "sdsfhir: '%s' is neither a command nor a folder\nTry 'sdsfhir --help'.\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	/* no command: the UI on the paths given (default: this folder) */
	return ui_main(argc, argv);
}
