{
  "targets": [
    {
      "target_name": "mot_native",
      "sources": ["src/addon.c", "src/layernorm.c", "src/softmax.c", "src/transpose.c"],
      "cflags": ["-O3", "-std=c11", "-ffp-contract=off", "-fno-math-errno"],
      "conditions": [
        ["OS=='linux'", {
          "defines": ["MOT_OPENBLAS"],
          "include_dirs": ["/usr/include/openblas", "/usr/include/x86_64-linux-gnu", "/usr/include/aarch64-linux-gnu"],
          "libraries": ["-lopenblas", "-lm"]
        }],
        ["OS=='mac'", {
          "defines": ["MOT_ACCELERATE", "ACCELERATE_NEW_LAPACK"],
          "libraries": ["-framework Accelerate"],
          "xcode_settings": {"OTHER_CFLAGS": ["-O3", "-fno-math-errno"]}
        }],
        ["OS=='win'", {
          "defines": ["MOT_OPENBLAS"],
          "include_dirs": ["<!(node -p \"process.env.OPENBLAS_DIR || 'C:/OpenBLAS'\")/include"],
          "libraries": ["<!(node -p \"process.env.OPENBLAS_DIR || 'C:/OpenBLAS'\")/lib/libopenblas.lib"]
        }]
      ]
    }
  ]
}
