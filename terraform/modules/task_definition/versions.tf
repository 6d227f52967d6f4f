terraform {
  # The same floor as every other module; no provider: the module only evaluates expressions,
  # so a test can run it with `terraform apply` and nothing else.
  required_version = ">= 1.11"
}
