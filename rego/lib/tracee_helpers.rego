# METADATA
# title: tracee.helpers (compatibility)
# description: >-
#   The helper functions Tracee's own Rego signatures imported as
#   data.tracee.helpers up to v0.22, so that rules written for old Tracee load
#   unchanged. A rule directory that ships its own tracee.helpers replaces
#   this one.
package tracee.helpers

# METADATA
# description: The value of the event argument called arg_name.
get_tracee_argument(arg_name) := value if {
	some arg in input.args
	arg.name == arg_name
	value := arg.value
}

# METADATA
# description: Whether open(2) flags, as Tracee renders them ("O_WRONLY|O_CREAT"), open for writing.
default is_file_write(_) := false

is_file_write(flags) if contains(lower(flags), "o_wronly")

is_file_write(flags) if contains(lower(flags), "o_rdwr")

# METADATA
# description: Whether open(2) flags, as Tracee renders them, open for reading.
default is_file_read(_) := false

is_file_read(flags) if contains(lower(flags), "o_rdonly")

is_file_read(flags) if contains(lower(flags), "o_rdwr")

# METADATA
# description: Whether base64 data starts with the ELF magic number.
default is_elf_file(_) := false

is_elf_file(content) if lower(substring(base64.decode(content), 1, 3)) == "elf"

# Tracee's filter operators, by number.
filter_equal := 0

filter_notequal := 1

filter_lesser := 2

filter_lesseq := 3

filter_greater := 4

filter_greateq := 5
