#include "config.h"

#include "cli.h"
#include "keys.h"
#include "termsafe.h"
#include "ui.h"

#include <ctype.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The commands: name, arguments, what it does, and what its --help adds. One table gives the
 * dispatch, sdsfhir --help and each command's --help. */
static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args, *what, *more;
} commands[] = {
	{"scan", cli_scan, "[--json] [-v] [-j N] [--no-cache] PATH...",
	 "list datasets, subjects, studies, series, instances, warnings and per-file errors",
	 "  --json        the model as JSON (see sdsfhir(1), JSON OUTPUT)\n"
	 "  -v            list every instance and file\n"
	 "  -j N          read with N threads (default: one per CPU)\n"
	 "  --no-cache    read every file again (no scan cache)\n"},
	{"tags", cli_tags, "[--json] FILE...", "print the DICOM tags sdsfhir reads", "  --json        as JSON\n"},
	{"preview", cli_preview, "[--size COLSxROWS] [--frame N] [--window C,W] [--format F] PATH...",
	 "show the image of instances, or of each series of a folder (its middle instance), in the terminal",
	 "  --size COLSxROWS  the most cells a picture takes (default: the terminal's)\n"
	 "  --frame N         the frame of a multi-frame instance (default 1)\n"
	 "  --window C,W      window center and width (default: the file's, its VOI LUT, or a histogram)\n"
	 "  --format F        symbols (default: any terminal, tmux, SSH), sixel or kitty graphics\n"},
	{"fhir", cli_fhir, "[--resource R] [--zone Z] [--patient-system URI] [--dicomweb URL] PATH...",
	 "print the FHIR transaction Bundle a push sends (or its resources)",
	 "  --resource R  only the resources of one kind, not a Bundle: patient, study,\n"
	 "                researchstudy or researchsubject\n"
	 "  --dicomweb URL  the DICOMweb (WADO-RS) server holding the images: an Endpoint\n"
	 "  --zone Z      zone of times without an offset: local, Z, +hh:mm or a name (Europe/Berlin)\n"
	 "  --patient-system URI  identifier system of Patient IDs without an issuer\n"},
	{"export", cli_export, "--ndjson DIR [--zone Z] [--patient-system URI] [--dicomweb URL] PATH...",
	 "write what a push sends as NDJSON files, one per resource type, for a server's bulk import ($import)",
	 "  --ndjson DIR  the folder (made if missing; never inside a dataset)\n"
	 "  ids are UUID v5 of each resource's identifier: importing again overwrites rather than\n"
	 "  duplicates; import Practitioner, ResearchStudy, Patient, ResearchSubject, then\n"
	 "  ImagingStudy (and Endpoint first, with --dicomweb)\n"},
	{"patient", cli_patient, "[SERVER-OPTION]... PATH...",
	 "create the Patients, ResearchStudies and ResearchSubjects on the server (conditional creates)", ""},
	{"push", cli_push, "[--batch N] [--max-request BYTES] [--files-win] [--same-person] [--images] [SERVER-OPTION]... PATH...",
	 "push studies with their Patients, ResearchStudies and ResearchSubjects (transactions)",
	 "  --batch N            studies per request (default 4)\n"
	 "  --max-request BYTES  request body limit (default 1M; k and M allowed)\n"
	 "  --files-win          the files' bodySite over one set on the server, for this push\n"
	 "  --same-person        link studies to the Patients of their identifiers even when\n"
	 "                       name, birth date or sex differ (refused otherwise)\n"
	 "  --images             the instances too, by STOW-RS to the --dicomweb server, before\n"
	 "                       the resources (see DICOMWEB in sdsfhir(1))\n"
	 "  what sdsfhir does not make (a bodySite set on the server, another client's elements)\n"
	 "  is kept: see THE SERVER OVER TIME in sdsfhir(1)\n"},
	{"bodysite", cli_bodysite, "[--code CODE [--display TEXT]] [SERVER-OPTION]... PATH...",
	 "set series bodySite on studies already pushed",
	 "  --code CODE   a SNOMED CT code (its check digit is checked), or a body part (breast, HEART)\n"
	 "  --display T   the display text of the code\n"
	 "  without --code: each series' Body Part Examined through CID 4031\n"},
	{"status", cli_status, "[--max-request BYTES] [--same-person] [SERVER-OPTION]... PATH...",
	 "compare the studies with the server's copies, as a push would send them", ""},
	{"retract", cli_retract, "[--yes] [SERVER-OPTION]... PATH...",
	 "remove the study folders from the server (a study shared with other folders keeps theirs; Patients stay)",
	 "  --yes         do not ask (needed without a terminal)\n"},
	{"search", cli_search, "[--json|--table] [--all] QUERY | --patient NAME | --bodysite CODE|NAME | --identifier V | --dataset NAME | --subjects DATASET | --datasets PATIENT",
	 "search the server: any Type?params query, or a shorthand",
	 "  --json, --table  the matches as JSON, or a table (default)\n"
	 "  --all            follow next links to the last page\n"
	 "  --dataset NAME   the dataset's ImagingStudies\n"
	 "  --subjects NAME  the dataset's ResearchSubjects, with their Patients\n"
	 "  --datasets P     the datasets a patient is in: P a name, or an identifier SYSTEM|VALUE\n"},
};

static const char server_options[] =
	"Server options: --server URL, --token-file FILE (or SDSFHIR_TOKEN), --netrc,\n"
	"  --netrc-file F, --oauth-token-url URL, --oauth-client-id ID, --oauth-secret-file F\n"
	"  (or SDSFHIR_CLIENT_SECRET), --cacert F, --insecure, --timeout S,\n"
	"  --connect-timeout S, --retries N, --dicomweb URL, --dicomweb-netrc-file F,\n"
	"  --dicomweb-token-file F (or SDSFHIR_DICOMWEB_TOKEN), --config FILE, -v (log requests)\n";

static void usage(void)
{
	printf("Usage: sdsfhir [SERVER-OPTION]... [PATH]...     the terminal UI (PATH: default .)\n"
	       "       sdsfhir COMMAND [OPTION]... ARG...\n"
	       "Describe SPARC SDS MRI datasets as FHIR R4 resources.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		printf("  %s %s\n      %s\n", commands[i].name, commands[i].args, commands[i].what);
	printf("\n%s\n"
	       "PATH is a dataset folder (holding primary/), a folder of datasets, a primary/,\n"
	       "subject or sample folder. 'sdsfhir COMMAND --help' shows a command's options.\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help      show this help and exit\n"
	       "  -V, --version   show the version and exit\n"
	       "\n"
	       "Exit status: 0 ok, 1 partly done (some items failed), 2 usage error, 3 the server\n"
	       "refused, 4 cannot work at all, 5 cannot reach the server, 6 credentials refused.\n"
	       "See sdsfhir(1).\n", server_options);
}

static int command_help(const struct command *c)
{
	printf("Usage: sdsfhir %s %s\n%c%s.\n\n%s", c->name, c->args, toupper((unsigned char)c->what[0]), c->what + 1,
	       c->more);
	int server = strstr(c->args, "SERVER-OPTION") != NULL || strcmp(c->name, "search") == 0;
	printf("%s%s%sSee sdsfhir(1).\n", *c->more ? "\n" : "", server ? server_options : "", server ? "\n" : "");
	return CLI_EXIT_OK;
}

/* Edit distance of a and b (short strings), for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[32][32];
	if (la > 30 || lb > 30)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]), del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

/* The keys of the UI, from src/keys.def: as text, or as the man page's KEYS section. */
static void help_key_line(void *ctx, const char *heading, const char *keys, const char *help)
{
	int man = *(int *)ctx;
	if (heading)
		printf(man ? ".SS %s\n" : "%s\n", heading);
	else if (man)
		printf(".TP\n.B %s\n%s.\n", keys, help);
	else
		printf("%-18s %s\n", keys, help);
}

static int help_keys(int man)
{
	keys_help(help_key_line, &man);
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage();
		return CLI_EXIT_OK;
	}
	if (argc >= 2 && strncmp(argv[1], "--help-keys", 11) == 0)
		return help_keys(strcmp(argv[1], "--help-keys=man") == 0);
	if (argc >= 2 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("sdsfhir %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; argc >= 2 && i < sizeof commands / sizeof *commands; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		for (int k = 2; k < argc && strcmp(argv[k], "--") != 0; k++)
			if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0)
				return command_help(&commands[i]);
		return commands[i].run(argc - 1, argv + 1);
	}
	struct stat st;
	if (argc >= 2 && strcmp(argv[1], "-") == 0) {
		fprintf(stderr, "sdsfhir: '-': datasets are folders, not read from standard input\nTry 'sdsfhir --help'.\n");
		return CLI_EXIT_USAGE;
	}
	if (argc >= 2 && argv[1][0] != '-' && stat(argv[1], &st) != 0) {
		const char *near = NULL;
		size_t best = 3;	/* suggest a command at most two edits away */
		for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
			size_t d = distance(argv[1], commands[i].name);
			if (d < best) {
				best = d;
				near = commands[i].name;
			}
		}
		char shown[600];
		fprintf(stderr, "sdsfhir: '%s' is neither a command nor a folder%s%s%s\nTry 'sdsfhir --help'.\n",
			termsafe(argv[1], shown, sizeof shown, 0), near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
		return CLI_EXIT_USAGE;
	}
	/* no command: the UI on the paths given (default: this folder) */
	return ui_main(argc, argv);
}
