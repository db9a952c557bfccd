{
  "targets": [
    {
      "target_name": "nsm",
      "sources": ["nsm.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-fstack-protector-strong"]
    }
  ]
}
