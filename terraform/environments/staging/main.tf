# Staging: the low-cost mode. Tasks in public subnets with public IPs (no NAT gateway), a
# single-AZ database without deletion protection, no access logs, no alarm topic. Everything is
# wired in modules/platform; this file only gives values. Edit the ones marked for your account.

locals {
  region = "us-east-1"
  tags = {
    Project     = "bluegreen"
    Environment = "staging"
    ManagedBy   = "terraform"
  }
}

module "platform" {
  source = "../../modules/platform"

  name = "bluegreen-staging"

  # Your account (see terraform/README.md): the repository, the bootstrap's outputs, the domain.
  github = {
    repository             = "example-org/bluegreen"
    deploy_environments    = ["staging"]
    terraform_environments = ["staging"]
  }
  state = {
    bucket_arn  = "arn:aws:s3:::bluegreen-terraform-state-000000000000"
    kms_key_arn = "arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000"
    key         = "bluegreen/staging/terraform.tfstate" # the backend's key in versions.tf
  }
  domain_name     = "staging.bluegreen.example.com"
  route53_zone_id = "Z0000000000000000000000"

  # The reference app (app/): the Flask items API on gunicorn. Its task definition is
  # app/taskdef.json.tftpl, the file every deploy renders too (docs/task-definition-template.md),
  # filled in with this environment's taskdef.values.json and the stack's outputs.
  service = {
    name                     = "items-api"
    port                     = 8000
    health_check             = { path = "/ready" }
    task_definition_template = "${path.module}/../../../app/taskdef.json.tftpl"
    task_definition_values   = jsondecode(file("${path.module}/taskdef.values.json"))
  }

  database = {
    db_name               = "items"
    username              = "items_admin"
    multi_az              = false
    iam_authentication    = false
    backup_retention_days = 1
  }

  # A listener on the idle colour for `bluegreen deploy --smoke`, reachable from these ranges only
  # (203.0.113.0/24 is a documentation range: put your office, VPN or runners' ranges here).
  test_listener = { port = 9000, cidrs = ["203.0.113.0/24"] }

  # Low cost, easy to destroy.
  network             = { task_egress = "public_ip" }
  scaling             = { max_capacity = 2 }
  deletion_protection = false
  access_logs_enabled = false

  tags = local.tags
}
