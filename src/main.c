#include "config.h"

#include "cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"Usage: sdsfhir [OPTION]... [PATH]...\n"
	"       sdsfhir COMMAND [OPTION]... ARG...\n"
	"Describe SPARC SDS MRI datasets as FHIR R4 resources.\n"
	"\n"
	"Commands:\n"
	"  scan [--json] [-v] [-j N] PATH...   list datasets, subjects, studies, series,\n"
	"                                      instances, warnings and per-file errors\n"
	"  tags [--json] FILE...               print the DICOM tags sdsfhir reads\n"
	"  fhir [--resource patient|study] [--zone Z] [--patient-system URI] PATH...\n"
	"                                      print the FHIR transaction Bundle (or resources)\n"
	"\n"
	"PATH is a dataset folder (holding primary/), a folder of datasets, a primary/,\n"
	"subject or sample folder.\n"
	"\n"
	"Options:\n"
	"  -h, --help      show this help and exit\n"
	"  -V, --version   show the version and exit\n"
	"\n"
	"Exit status: 0 ok, 1 some inputs or files had errors, 2 usage error,\n"
	"4 cannot work at all. See sdsfhir(1).\n";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{"scan", cli_scan},
	{"tags", cli_tags},
	{"fhir", cli_fhir},
};

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("sdsfhir %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "sdsfhir: unknown command '%s'\nTry 'sdsfhir --help'.\n", argv[1]);
	return CLI_EXIT_USAGE;
}
