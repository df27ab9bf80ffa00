# METADATA
# title: Tests of the tracee.helpers compatibility package
package tracee.helpers_test

import data.tracee.helpers

test_get_tracee_argument if {
	helpers.get_tracee_argument("request") == "PTRACE_TRACEME" with input as {"args": [{"name": "request", "value": "PTRACE_TRACEME"}]}
}

test_file_flags if {
	helpers.is_file_write("O_WRONLY|O_CREAT")
	helpers.is_file_write("O_RDWR")
	not helpers.is_file_write("O_RDONLY")
	helpers.is_file_read("O_RDONLY")
	helpers.is_file_read("O_RDWR")
	not helpers.is_file_read("O_WRONLY")
}

test_is_elf_file if {
	helpers.is_elf_file(base64.encode("\u007fELF\u0002"))
	not helpers.is_elf_file(base64.encode("#!/bin/sh"))
}

test_filter_operators if {
	[helpers.filter_equal, helpers.filter_notequal, helpers.filter_lesser, helpers.filter_lesseq, helpers.filter_greater, helpers.filter_greateq] == [0, 1, 2, 3, 4, 5]
}
