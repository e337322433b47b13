// src/cli/fast_start/fast_entry.S — the static `sysfence` executable's ELF entry point (x86_64).
// It hands the initial stack (argc, argv, envp, auxv) to sysfence_fast_run() (fast_run.cpp),
// which either runs `sysfence run [-q|--quiet] [--] PROG ARGS...` to the end (it never returns
// then) or returns having changed nothing; then the C library's own entry point `_start` gets
// the process exactly as the kernel made it: the same stack pointer and %rdx (the kernel's
// zero; _start takes it as rtld_fini).
  .text
  .globl sysfence_fast_entry
  .type sysfence_fast_entry, @function
sysfence_fast_entry:
  .cfi_startproc
  .cfi_undefined rip
  xorl %ebp, %ebp
  movq %rsp, %r12          // callee-saved: survive the call
  movq %rdx, %r13
  movq %rsp, %rdi          // the kernel's stack: argc at 0(%rsp)
  andq $-16, %rsp          // the ABI's alignment at a call (the kernel's is already 16)
  call sysfence_fast_run   // returns only when it declines
  movq %r12, %rsp
  movq %r13, %rdx
  xorl %r12d, %r12d
  xorl %r13d, %r13d
  jmp _start
  .cfi_endproc
  .size sysfence_fast_entry, . - sysfence_fast_entry

// long sysfence_fast_clone(unsigned long flags, void* stack_top, void (*fn)(void*), void* arg):
// clone(2) onto a stack of its own; the child calls fn(arg), which must not return (it execs or
// exits; an exit(fn's value) is there for safety). Returns the child's pid or -errno.
  .globl sysfence_fast_clone
  .type sysfence_fast_clone, @function
sysfence_fast_clone:
  .cfi_startproc
  andq $-16, %rsi
  subq $16, %rsi
  movq %rdx, 0(%rsi)       // fn
  movq %rcx, 8(%rsi)       // arg
  movl $56, %eax           // SYS_clone(flags, newsp, parent_tid, child_tid, tls)
  xorl %edx, %edx
  xorl %r10d, %r10d
  xorl %r8d, %r8d
  syscall
  testq %rax, %rax
  jz 1f
  ret
1:
  .cfi_undefined rip
  xorl %ebp, %ebp
  popq %rax                // fn
  popq %rdi                // arg
  call *%rax
  movl %eax, %edi
  movl $231, %eax          // exit_group
  syscall
  hlt
  .cfi_endproc
  .size sysfence_fast_clone, . - sysfence_fast_clone

// The signal return trampoline (SA_RESTORER): what the C library's __restore_rt does.
  .globl sysfence_fast_restorer
  .type sysfence_fast_restorer, @function
sysfence_fast_restorer:
  movl $15, %eax           // rt_sigreturn
  syscall
  hlt
  .size sysfence_fast_restorer, . - sysfence_fast_restorer

  .section .note.GNU-stack, "", @progbits
