/* The subcommands: each parses its own options, calls the core and prints.
 * They return an exit status (CLI_EXIT_*) and never exit themselves. */
#ifndef SDSFHIR_CLI_H
#define SDSFHIR_CLI_H

enum {
	CLI_EXIT_OK = 0,	/* everything worked */
	CLI_EXIT_PARTIAL = 1,	/* done, but some inputs or files had errors (reported) */
	CLI_EXIT_USAGE = 2,	/* bad command line */
	CLI_EXIT_SERVER = 3,	/* the server refused a request (its OperationOutcome is shown) */
	CLI_EXIT_FATAL = 4,	/* cannot work at all: no DICOM dictionary, out of memory, output failed */
	CLI_EXIT_UNREACHABLE = 5,	/* cannot reach the server: down, time-out, TLS */
	CLI_EXIT_AUTH = 6	/* the server refused the credentials (401, 403) */
};

/* argv[0] is the subcommand name. */
int cli_scan(int argc, char **argv);
int cli_tags(int argc, char **argv);
int cli_preview(int argc, char **argv);
int cli_fhir(int argc, char **argv);
int cli_patient(int argc, char **argv);
int cli_push(int argc, char **argv);
int cli_bodysite(int argc, char **argv);
int cli_search(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_retract(int argc, char **argv);
int cli_export(int argc, char **argv);

#endif
