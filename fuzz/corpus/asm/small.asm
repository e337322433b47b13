   0: ld [4]                            ; arch
   1: jeq #0xc000003e, 2, 9             ; x86_64
   2: ld [0]                            ; nr
   3: jge #257, 6, 4                    ; openat
   4: jge #2, 9, 5                      ; open
   5: ret allow
   6: jeq #257, 7, 9                    ; openat
   7: ld [32]                           ; args[2].lo
   8: jset #64, 10, 9
   9: ret kill_process
  10: ret errno(1)
